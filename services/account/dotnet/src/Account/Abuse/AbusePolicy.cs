namespace PurposePath.Account.Abuse;

/// <summary>A token bucket: <see cref="Capacity"/> requests at once, refilled at one per <see cref="RefillSeconds"/>.</summary>
public readonly record struct Bucket(string Name, int Capacity, double RefillSeconds);

/// <summary>What the store knows about one account's failed sign-ins.</summary>
public readonly record struct FailureRecord(int Count, double LastFailureAt);

/// <summary>
/// The numbers of the abuse limits (FORMATS.md, "Abuse limits"), the same in both runtimes.
/// Per source IP: token buckets on the unauthenticated routes. Per account: from the
/// <see cref="DelayAfterFailures"/>th consecutive failure each attempt waits
/// 2^(n-3) seconds (at most <see cref="MaxDelaySeconds"/>) after the last failure; at
/// <see cref="LockoutAfterFailures"/> the account is locked for <see cref="LockoutSeconds"/>.
/// Unknown addresses are counted the same way, so the limits tell nobody which exist.
/// </summary>
public static class AbusePolicy
{
    public const int DelayAfterFailures = 3;
    public const int LockoutAfterFailures = 10;
    public const double MaxDelaySeconds = 60;
    public const double LockoutSeconds = 900;

    /// <summary>How long failures are remembered after the last one.</summary>
    public const int FailureMemorySeconds = 24 * 60 * 60;

    public static readonly Bucket Login = new("login", 20, 3);
    public static readonly Bucket Register = new("register", 5, 60);
    public static readonly Bucket PasswordReset = new("password-reset", 5, 60);
    /// <summary>Following an emailed link (verify-email, the reset link's check and confirm): a link's token is 256 random bits, so this only bounds floods.</summary>
    public static readonly Bucket EmailLink = new("email-link", 20, 3);
    public static readonly Bucket Refresh = new("refresh", 60, 1);

    public static IReadOnlyList<Bucket> Buckets { get; } = [Login, Register, PasswordReset, EmailLink, Refresh];

    public static Bucket Named(string name) =>
        Buckets.FirstOrDefault(bucket => bucket.Name == name) is { Name: not null } found
            ? found
            : throw new ArgumentException($"no rate-limit bucket named '{name}'; use one of {string.Join(", ", Buckets.Select(b => b.Name))}", nameof(name));

    /// <summary>
    /// Seconds an attempt at <paramref name="now"/> must still wait (0: it may go ahead):
    /// from the 10th failure 15 minutes from the last one (each further failure locks
    /// again), from the 3rd 2^(n-3) seconds up to 60 (account.lockout.wait_seconds).
    /// </summary>
    public static double WaitBeforeNextAttempt(FailureRecord failures, double now)
    {
        double until;
        if (failures.Count >= LockoutAfterFailures)
        {
            until = failures.LastFailureAt + LockoutSeconds;
        }
        else if (failures.Count >= DelayAfterFailures)
        {
            until = failures.LastFailureAt + Math.Min(Math.Pow(2, failures.Count - DelayAfterFailures), MaxDelaySeconds);
        }
        else
        {
            return 0;
        }

        return Math.Max(0, until - now);
    }

    /// <summary>Seconds after which an untouched bucket is full again (its key can go).</summary>
    public static int TimeToLive(Bucket bucket) => (int)Math.Ceiling(bucket.Capacity * bucket.RefillSeconds) + 1;
}
