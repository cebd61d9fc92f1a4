using PurposePath.Account.Abuse;
using PurposePath.Account.Mail;

namespace PurposePath.Account.Tests;

/// <summary>
/// The front door as an attacker tries it: verification before sign-in, single-use links,
/// a reset that ends every session, brute force stopped per account and per address, the
/// same answers for known and unknown addresses, and mail outages answered as 503.
/// </summary>
public sealed class FrontDoorTests
{
    private readonly TestApi _api = new();

    private Task<Reply> LoginAsync(string email, string password, string? sourceIp = null) =>
        _api.CallAsync(TestApi.Event("POST", "/auth/login", $$"""{"email":"{{email}}","password":"{{password}}"}""", sourceIp: sourceIp));

    private Task<Reply> GetAsync(string path, string token) =>
        _api.CallAsync(TestApi.Event("GET", path, query: new() { ["token"] = token }));

    [Fact]
    public async Task AVerificationLinkWorksOnceAndExpires()
    {
        await _api.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = TestApi.Password, name = "Ada", tenantName = "Engines" });
        var token = FakeMailer.TokenOf(_api.Mailer.LatestLink("ada@example.com", AccountMail.VerifySubject));

        Assert.Equal(200, (await GetAsync("/auth/verify-email", token)).Status);
        (await GetAsync("/auth/verify-email", token)).AssertError(400, "invalid_token");
        (await GetAsync("/auth/verify-email", "forged-token")).AssertError(400, "invalid_token");
        (await _api.CallAsync("GET", "/auth/verify-email")).AssertError(400, "invalid_token");
        (await _api.CallAsync("POST", "/auth/verify-email", new { })).AssertError(400, "bad_request");

        await _api.CallAsync("POST", "/auth/register", new { email = "late@example.com", password = TestApi.Password, name = "Late", tenantName = "Late Co" });
        var late = FakeMailer.TokenOf(_api.Mailer.LatestLink("late@example.com", AccountMail.VerifySubject));
        _api.Clock.Now += 24 * 3600;
        (await GetAsync("/auth/verify-email", late)).AssertError(400, "invalid_token");
        (await LoginAsync("late@example.com", TestApi.Password)).AssertError(403, "email_not_verified");
    }

    [Fact]
    public async Task TokensAreStoredOnlyAsHashes()
    {
        await _api.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = TestApi.Password, name = "Ada", tenantName = "Engines" });
        var token = FakeMailer.TokenOf(_api.Mailer.LatestLink("ada@example.com", AccountMail.VerifySubject));
        var stored = Assert.Single(_api.Users.EmailTokens.Keys);
        Assert.Equal(43, token.Length);
        Assert.NotEqual(token, stored.Hash);
        Assert.Equal(PurposePath.Account.Auth.EmailTokens.Hash(token), stored.Hash);
    }

    [Fact]
    public async Task RegisteringAgainForAnUnverifiedAddressSendsAFreshLinkAndKeepsThePassword()
    {
        await _api.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = TestApi.Password, name = "Ada", tenantName = "Engines" });
        await _api.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = "the-squatters-password", name = "Eve", tenantName = "Eve Co" });

        Assert.Equal(2, _api.Mailer.Sent.Count(message => message.Subject == AccountMail.VerifySubject));
        Assert.Single(_api.Users.RegistrationAttempts);
        var token = FakeMailer.TokenOf(_api.Mailer.LatestLink("ada@example.com", AccountMail.VerifySubject));
        Assert.Equal(200, (await GetAsync("/auth/verify-email", token)).Status);
        (await LoginAsync("ada@example.com", "the-squatters-password")).AssertError(401, "unauthorized");
        Assert.Equal(200, (await LoginAsync("ada@example.com", TestApi.Password)).Status);
    }

    [Fact]
    public async Task LoginForKnownAndUnknownAddressesDoesTheSameLookups()
    {
        await _api.RegisterAsync("ada@example.com");
        _api.Users.EmailLookups.Clear();
        var known = await LoginAsync("ada@example.com", "wrong-password-123");
        var unknown = await LoginAsync("nobody@example.com", "wrong-password-123");
        var unusable = await LoginAsync("nobody\u200b@example.com", "wrong-password-123");

        Assert.Equal(known.Body, unknown.Body);
        Assert.Equal(known.Body, unusable.Body);
        // One lookup each (the store's two reads: claim, then owner or NOUSER#); the
        // unusable address looks up the empty canonical form, whose claim key EMAIL# no
        // address produces.
        Assert.Equal(new[] { "ada@example.com", "nobody@example.com", string.Empty }, _api.Users.EmailLookups);
    }

    [Fact]
    public async Task APasswordResetByLinkEndsEverySessionAndIsSingleUse()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var unknown = await _api.CallAsync("POST", "/auth/password-reset", new { email = "nobody@example.com" });
        var known = await _api.CallAsync("POST", "/auth/password-reset", new { email = "ADA@example.com" });
        Assert.Equal((202, unknown.Body), (known.Status, known.Body));
        Assert.DoesNotContain(_api.Mailer.Sent, message => message.To == "nobody@example.com");

        var link = _api.Mailer.LatestLink("ada@example.com", AccountMail.ResetSubject);
        Assert.StartsWith(TestApi.PublicBaseUrl + "/auth/password-reset?token=", link, StringComparison.Ordinal);
        var token = FakeMailer.TokenOf(link);
        Assert.Equal("valid", (await GetAsync("/auth/password-reset", token)).Text("status"));
        var confirm = await _api.CallAsync("POST", "/auth/password-reset/confirm", new { token, newPassword = "a-brand-new-password" });
        Assert.Equal(204, confirm.Status);

        (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh })).AssertError(401, "unauthorized");
        (await LoginAsync("ada@example.com", TestApi.Password)).AssertError(401, "unauthorized");
        Assert.Equal(200, (await LoginAsync("ada@example.com", "a-brand-new-password")).Status);
        (await _api.CallAsync("POST", "/auth/password-reset/confirm", new { token, newPassword = "yet-another-password" }))
            .AssertError(400, "invalid_token");
        (await GetAsync("/auth/password-reset", token)).AssertError(400, "invalid_token");
    }

    [Fact]
    public async Task TwoHundredWrongPasswordsLockTheAccountAndTheRightOneIsRefusedUntilTheWindowEnds()
    {
        await _api.RegisterAsync("ada@example.com");
        var answers = new List<int>();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // A new address each time: the per-address bucket must not be what stops this.
            answers.Add((await LoginAsync("ada@example.com", $"guess-number-{attempt:D4}", $"198.51.100.{attempt % 250}")).Status);
        }

        Assert.Equal(AbusePolicy.DelayAfterFailures, answers.TakeWhile(status => status == 401).Count());
        Assert.All(answers.Skip(AbusePolicy.DelayAfterFailures), status => Assert.Equal(429, status));

        var refused = await LoginAsync("ada@example.com", TestApi.Password, "192.0.2.1");
        refused.AssertError(429, "too_many_requests");
        Assert.True(int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // Walk the progressive delays up to the lockout, as a patient attacker would.
        for (var failures = AbusePolicy.DelayAfterFailures; failures < AbusePolicy.LockoutAfterFailures; failures++)
        {
            _api.Clock.Now += 61;
            (await LoginAsync("ada@example.com", "still-guessing-1", "192.0.2.2")).AssertError(401, "unauthorized");
        }

        Assert.Contains(_api.Metrics, line => line.Contains(SecurityEvents.AccountLockedOutMetric, StringComparison.Ordinal));
        _api.Clock.Now += 61;
        var locked = await LoginAsync("ada@example.com", TestApi.Password, "192.0.2.3");
        locked.AssertError(429, "too_many_requests");
        Assert.True(int.Parse(locked.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture) > 60);

        _api.Clock.Now += (long)AbusePolicy.LockoutSeconds;
        Assert.Equal(200, (await LoginAsync("ada@example.com", TestApi.Password, "192.0.2.4")).Status);
        // The success cleared the count: one more mistake is just a mistake.
        (await LoginAsync("ada@example.com", "one-more-typo-1", "192.0.2.5")).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task UnknownAddressesAreLimitedExactlyLikeKnownOnes()
    {
        await _api.RegisterAsync("ada@example.com");
        var known = new List<int>();
        var unknown = new List<int>();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            known.Add((await LoginAsync("ada@example.com", "wrong-password-12", $"198.51.100.{attempt}")).Status);
            unknown.Add((await LoginAsync("ghost@example.com", "wrong-password-12", $"198.51.100.{attempt}")).Status);
        }

        Assert.Equal(known, unknown);
    }

    [Fact]
    public async Task OneAddressHammeringTheLoginGets429WithRetryAfterAndOthersAreServed()
    {
        var statuses = new List<int>();
        for (var attempt = 0; attempt < AbusePolicy.Login.Capacity + 5; attempt++)
        {
            statuses.Add((await LoginAsync($"spray{attempt}@example.com", "password-spray-1", "203.0.113.99")).Status);
        }

        Assert.All(statuses.Take(AbusePolicy.Login.Capacity), status => Assert.Equal(401, status));
        Assert.All(statuses.Skip(AbusePolicy.Login.Capacity), status => Assert.Equal(429, status));
        var limited = await LoginAsync("spray@example.com", "password-spray-1", "203.0.113.99");
        Assert.Equal("3", limited.Header("Retry-After"));
        Assert.Equal(401, (await LoginAsync("someone@example.com", "password-spray-1", "203.0.113.7")).Status);

        _api.Clock.Now += (long)AbusePolicy.Login.RefillSeconds;
        Assert.Equal(401, (await LoginAsync("spray@example.com", "password-spray-1", "203.0.113.99")).Status);
    }

    [Fact]
    public async Task ReauthenticationIsLimitedPerUser()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var statuses = new List<int>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var change = await _api.CallAsync("POST", "/auth/password", new { currentPassword = $"guess-{attempt}-password", newPassword = "a-brand-new-password" }, account.Access);
            statuses.Add(change.Status);
        }

        Assert.Equal(new[] { 401, 401, 401, 429, 429 }, statuses);
    }

    [Fact]
    public async Task AMailOutageIs503AndLeavesNoTokenBehindInTheLog()
    {
        _api.Mailer.Fail = true;
        var reply = await _api.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = TestApi.Password, name = "Ada", tenantName = "Engines" });
        reply.AssertError(503, "email_unavailable");
        Assert.DoesNotContain(_api.Warnings, line => line.Contains("ada@example.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAbuseStoreOutageFallsBackToThisContainersMemory()
    {
        var outage = new TestApi(new UnreachableAttemptStore());
        for (var attempt = 0; attempt < AbusePolicy.DelayAfterFailures; attempt++)
        {
            (await outage.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = "wrong-password-12" }))
                .AssertError(401, "unauthorized");
        }

        (await outage.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = "wrong-password-12" }))
            .AssertError(429, "too_many_requests");
        Assert.Single(outage.Warnings, line => line.Contains("abuse limits kept in this container's memory", StringComparison.Ordinal));
        Assert.Contains(outage.Metrics, line => line.Contains(SecurityEvents.RateLimitStoreUnavailableMetric, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutAPublicBaseLinksUseTheApisOwnHost()
    {
        var noDomain = new TestApi(null, publicBaseUrl: string.Empty);
        var reply = await noDomain.CallAsync("POST", "/auth/register", new { email = "ada@example.com", password = TestApi.Password, name = "Ada", tenantName = "Engines" });
        Assert.Equal(202, reply.Status);
        Assert.StartsWith(
            $"https://{TestApi.ApiHost}/auth/verify-email?token=",
            noDomain.Mailer.LatestLink("ada@example.com", AccountMail.VerifySubject),
            StringComparison.Ordinal);

        // Through the custom domain the path carries the mapping key, and the link keeps it.
        var request = TestApi.Event(
            "POST",
            "/auth/register",
            """{"email":"bob@example.com","password":"correct-horse-battery-staple-42","name":"Bob","tenantName":"B"}""",
            rawPathPrefix: "/account");
        Assert.Equal(202, (await noDomain.CallAsync(request)).Status);
        Assert.StartsWith(
            $"https://{TestApi.ApiHost}/account/auth/verify-email?token=",
            noDomain.Mailer.LatestLink("bob@example.com", AccountMail.VerifySubject),
            StringComparison.Ordinal);
    }

    private sealed class UnreachableAttemptStore : IAttemptStore
    {
        public Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken) => throw Away();

        public Task<double> AttemptAsync(string key, double now, CancellationToken cancellationToken) => throw Away();

        public Task<int> FailedAsync(string key, double now, CancellationToken cancellationToken) => throw Away();

        public Task ClearAsync(string key, CancellationToken cancellationToken) => throw Away();

        private static AttemptStoreUnavailableException Away() => new("Redis at test:6379 is unreachable (SocketException)");
    }
}
