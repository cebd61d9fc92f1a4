using PurposePath.Account.Sessions;

namespace PurposePath.Account.Abuse;

/// <summary>
/// Security events counted as CloudWatch metrics through EMF lines (namespace
/// <c>PurposePath/account</c>, as account.security_events), which the account template's
/// alarms watch. A line names the event only, never an address, a password or a token.
/// </summary>
public sealed class SecurityEvents(TimeProvider clock, Action<string> emitMetric)
{
    public const string LoginFailedMetric = "LoginFailed";
    public const string AccountLockedOutMetric = "AccountLockedOut";
    public const string RateLimitedMetric = "RateLimited";
    public const string RefreshTokenReuseMetric = "RefreshTokenReuse";
    public const string RateLimitStoreUnavailableMetric = "RateLimitStoreUnavailable";

    public void LoginFailed() => Count(LoginFailedMetric);

    public void AccountLockedOut() => Count(AccountLockedOutMetric);

    public void RateLimited() => Count(RateLimitedMetric);

    public void RefreshTokenReused() => Count(RefreshTokenReuseMetric);

    public void RateLimitStoreUnavailable() => Count(RateLimitStoreUnavailableMetric);

    private void Count(string metric) => emitMetric(RevocationCheck.MetricLine(clock.GetUtcNow(), metric));
}
