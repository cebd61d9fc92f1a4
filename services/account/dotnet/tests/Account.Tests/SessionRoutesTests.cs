using System.Text.Json;
using PurposePath.Account.Events;
using PurposePath.Account.Sessions;

namespace PurposePath.Account.Tests;

/// <summary>
/// Sessions end everywhere: logout, logout-all, password change and deletion write the
/// revocation markers every service reads, destructive routes need the current password,
/// deletion publishes the purge events, and the failure rule when Redis is away.
/// </summary>
public sealed class SessionRoutesTests
{
    private readonly TestApi _api = new();

    [Fact]
    public async Task LogoutRevokesTheCallersTokenAndSessionEverywhere()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var claims = (await _api.VerifyAsync(account.Access))!;
        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).Status);

        Assert.Equal(204, (await _api.CallAsync("POST", "/auth/logout", new { refreshToken = account.Refresh }, account.Access)).Status);

        Assert.Equal(900, _api.Revocations.Markers[$"rev:jti:{claims.TokenId}"]); // the token's remaining life
        Assert.Equal(3660, _api.Revocations.Markers[$"rev:sid:{claims.SessionId}"]);
        // Same container, same second: the local cache was dropped by the write.
        var refused = (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
        Assert.Equal(RevocationCheck.RevokedMessage, refused);
    }

    [Fact]
    public async Task ARevocationWrittenElsewhereTakesEffectWithinOneSecond()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var claims = (await _api.VerifyAsync(account.Access))!;
        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).Status);
        var reads = _api.Revocations.Reads;

        _api.Revocations.Markers[$"rev:sid:{claims.SessionId}"] = 3660; // another container's logout
        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).Status); // cached answer
        Assert.Equal(reads, _api.Revocations.Reads);
        _api.Clock.Now += 1;
        (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
        Assert.Equal(reads + 1, _api.Revocations.Reads);
    }

    [Theory]
    [InlineData("rev:jti:{0}")]
    [InlineData("rev:sid:{1}")]
    [InlineData("rev:user:{2}")]
    [InlineData("rev:tenant:{3}")]
    public async Task AnyOfTheFourMarkersRevokesTheToken(string pattern)
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var claims = (await _api.VerifyAsync(account.Access))!;
        _api.Revocations.Markers[string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, claims.TokenId, claims.SessionId, claims.UserId, claims.TenantId)] = 60;
        (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task LogoutAllEndsEverySessionOfTheCallerOnly()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        var second = await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password });
        var bob = await _api.RegisterAsync("bob@example.com");
        var sessionsOfAda = _api.Sessions.Sessions.Where(entry => entry.Value.UserId == ada.UserId).Select(entry => entry.Key).ToList();
        Assert.Equal(2, sessionsOfAda.Count);

        (await _api.CallAsync("POST", "/auth/logout-all")).AssertError(401, "unauthorized");
        var reply = await _api.CallAsync("POST", "/auth/logout-all", bearer: ada.Access);

        Assert.Equal(204, reply.Status);
        Assert.All(sessionsOfAda, id => Assert.Equal(3660, _api.Revocations.Markers[$"rev:sid:{id}"]));
        Assert.All(sessionsOfAda, id => Assert.Equal("revoked", _api.Sessions.Sessions[id].Status));
        (await _api.CallAsync("GET", "/auth/me", bearer: second.Text("accessToken"))).AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = ada.Refresh })).AssertError(401, "unauthorized");
        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: bob.Access)).Status);
    }

    [Fact]
    public async Task PasswordChangeNeedsTheCurrentPasswordEndsEverySessionAndOpensANewOne()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        const string NewPassword = "a-brand-new-passphrase-77";

        (await _api.CallAsync("POST", "/auth/password", new { currentPassword = "wrong-" + TestApi.Password, newPassword = NewPassword }, ada.Access))
            .AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/password", new { currentPassword = TestApi.Password, newPassword = "short" }, ada.Access))
            .AssertError(400, "bad_request");
        (await _api.CallAsync("POST", "/auth/password", new { currentPassword = TestApi.Password }, ada.Access))
            .AssertError(400, "bad_request");
        (await _api.CallAsync("POST", "/auth/password", new { currentPassword = TestApi.Password, newPassword = NewPassword }))
            .AssertError(401, "unauthorized");
        Assert.Empty(_api.Revocations.Markers); // nothing changed by the refusals

        var changed = await _api.CallAsync("POST", "/auth/password", new { currentPassword = TestApi.Password, newPassword = NewPassword }, ada.Access);

        Assert.Equal(200, changed.Status);
        Assert.Equal("no-store", changed.Header("Cache-Control"));
        (await _api.CallAsync("GET", "/auth/me", bearer: ada.Access)).AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = ada.Refresh })).AssertError(401, "unauthorized");
        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: changed.Text("accessToken"))).Status);
        Assert.Equal(200, (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = changed.Text("refreshToken") })).Status);
        (await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password })).AssertError(401, "unauthorized");
        Assert.Equal(200, (await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = NewPassword })).Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("""{"password":null}""")]
    [InlineData("""{"password":"wrong-password-entirely"}""")]
    public async Task DeleteMeWithoutTheRightPasswordIs401AndDeletesNothing(string? body)
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        var reply = await _api.CallAsync(TestApi.Event("DELETE", "/auth/me", body, ada.Access));
        var message = reply.AssertError(401, "unauthorized");
        Assert.DoesNotContain("wrong-password", message, StringComparison.Ordinal);
        Assert.Single(_api.Users.Users);
        Assert.Empty(_api.Revocations.Markers);
        Assert.Empty(_api.Events.Published);
    }

    [Theory]
    [InlineData("""{"password":42}""")]
    [InlineData("not json")]
    [InlineData("""["password"]""")]
    public async Task DeleteMeWithAMalformedBodyAnswersAsAWrongPassword(string body)
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        var message = (await _api.CallAsync(TestApi.Event("DELETE", "/auth/me", body, ada.Access))).AssertError(401, "unauthorized");
        Assert.Equal(Accounts.AccountService.InvalidCredentials, message);
        Assert.Single(_api.Users.Users);
    }

    [Fact]
    public async Task ATokenWhoseSessionHasEndedCannotDeleteOrChangeThePasswordEvenBeforeItIsRevoked()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        var claims = (await _api.VerifyAsync(ada.Access))!;
        // Ended in DynamoDB, no marker in Redis (the write raced, or this is the window before it).
        _api.Sessions.Sessions[claims.SessionId] = _api.Sessions.Sessions[claims.SessionId] with { Status = "revoked" };

        var deletion = await _api.CallAsync("DELETE", "/auth/me", new { password = TestApi.Password }, ada.Access);
        var change = await _api.CallAsync("POST", "/auth/password", new { currentPassword = TestApi.Password, newPassword = "another-long-passphrase-1" }, ada.Access);

        Assert.Equal(Accounts.AccountService.SessionEnded, deletion.AssertError(401, "unauthorized"));
        Assert.Equal(Accounts.AccountService.SessionEnded, change.AssertError(401, "unauthorized"));
        Assert.Single(_api.Users.Users);
    }

    [Fact]
    public async Task DeleteMeRevokesTheUserAndTenantAndPublishesThePurgeEvents()
    {
        var ada = await _api.RegisterAsync("ada@example.com");

        Assert.Equal(204, (await _api.CallAsync("DELETE", "/auth/me", new { password = TestApi.Password }, ada.Access)).Status);

        Assert.Equal(3660, _api.Revocations.Markers[$"rev:user:{ada.UserId}"]);
        Assert.Equal(3660, _api.Revocations.Markers[$"rev:tenant:{ada.TenantId}"]);
        Assert.Equal(2, _api.Events.Published.Count);
        var user = _api.Events.Published[0];
        var tenant = _api.Events.Published[1];
        Assert.Equal((AccountEvent.UserDeleted, ada.TenantId, ada.UserId), (user.Type, user.TenantId, user.UserId));
        Assert.Equal((AccountEvent.TenantDeleted, ada.TenantId, (string?)null), (tenant.Type, tenant.TenantId, tenant.UserId));
        Assert.NotEqual(user.EventId, tenant.EventId);

        using var message = JsonDocument.Parse(user.ToJson());
        Assert.Equal(
            new[] { "type", "eventId", "tenantId", "userId", "occurredAt" },
            message.RootElement.EnumerateObject().Select(property => property.Name).ToArray());
        Assert.Equal("2026-01-01T00:00:00Z", message.RootElement.GetProperty("occurredAt").GetString());
        Assert.True(Guid.TryParse(message.RootElement.GetProperty("eventId").GetString(), out _));
        using var tenantMessage = JsonDocument.Parse(tenant.ToJson());
        Assert.False(tenantMessage.RootElement.TryGetProperty("userId", out _));
    }

    [Fact]
    public async Task DeletingOneOfSeveralOwnersKeepsTheTenantAndPublishesOnlyUserDeleted()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        _api.Users.Tenants[ada.TenantId] = (_api.Users.Tenants[ada.TenantId].Tenant, 2);

        Assert.Equal(204, (await _api.CallAsync("DELETE", "/auth/me", new { password = TestApi.Password }, ada.Access)).Status);

        Assert.False(_api.Revocations.Markers.ContainsKey($"rev:tenant:{ada.TenantId}"));
        Assert.Equal(AccountEvent.UserDeleted, Assert.Single(_api.Events.Published).Type);
    }

    [Theory]
    [InlineData("POST", "/auth/logout-all")]
    [InlineData("DELETE", "/auth/me")]
    [InlineData("POST", "/auth/password")]
    [InlineData("POST", "/auth/logout")]
    public async Task WhenRedisIsUnreachableWritesAnswer503AndChangeNothing(string method, string path)
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        _api.Revocations.Reachable = false;
        object body = path switch
        {
            "/auth/password" => new { currentPassword = TestApi.Password, newPassword = "another-long-passphrase-1" },
            "/auth/logout" => new { refreshToken = ada.Refresh },
            _ => new { password = TestApi.Password },
        };

        var reply = await _api.CallAsync(method, path, body, ada.Access);

        reply.AssertError(503, RevocationCheck.UnavailableCode);
        Assert.Single(_api.Users.Users);
        Assert.All(_api.Sessions.Sessions.Values, session => Assert.Equal("active", session.Status));
        Assert.Empty(_api.Events.Published);
    }

    [Fact]
    public async Task AFailedRevocationWriteAnswers503BeforeThePasswordOrSessionsChange()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        var hash = _api.Users.Users[ada.UserId].PasswordHash;
        _api.Revocations.FailWrites = true;

        var body = new { currentPassword = TestApi.Password, newPassword = "another-long-passphrase-1" };
        (await _api.CallAsync("POST", "/auth/password", body, ada.Access)).AssertError(503, RevocationCheck.UnavailableCode);
        (await _api.CallAsync("POST", "/auth/logout-all", bearer: ada.Access)).AssertError(503, RevocationCheck.UnavailableCode);

        Assert.Equal(hash, _api.Users.Users[ada.UserId].PasswordHash);
        Assert.All(_api.Sessions.Sessions.Values, session => Assert.Equal("active", session.Status));
    }

    [Fact]
    public async Task ADeletionWhoseRevocationWriteFailsStillPublishesThePurgeAndAnswers503()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        _api.Revocations.FailWrites = true;

        (await _api.CallAsync("DELETE", "/auth/me", new { password = TestApi.Password }, ada.Access)).AssertError(503, RevocationCheck.UnavailableCode);

        Assert.Empty(_api.Users.Users);
        Assert.Equal(
            new[] { AccountEvent.UserDeleted, AccountEvent.TenantDeleted },
            _api.Events.Published.Select(published => published.Type).ToArray());
        Assert.Contains(_api.Warnings, warning => warning.Contains(ada.UserId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenRedisIsUnreachableReadsAreServedLoggedOnceAndCounted()
    {
        var ada = await _api.RegisterAsync("ada@example.com");
        _api.Revocations.Reachable = false;

        Assert.Equal(200, (await _api.CallAsync("GET", "/auth/me", bearer: ada.Access)).Status);
        Assert.Equal(200, (await _api.CallAsync("GET", "/tenants/current", bearer: ada.Access)).Status);

        Assert.Single(_api.Warnings, warning => warning.Contains("revocation check unavailable", StringComparison.Ordinal));
        Assert.Equal(2, _api.Metrics.Count);
        using var metric = JsonDocument.Parse(_api.Metrics[0]);
        var definition = metric.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("PurposePath/account", definition.GetProperty("Namespace").GetString());
        Assert.Equal(RevocationCheck.UnavailableMetric, definition.GetProperty("Metrics")[0].GetProperty("Name").GetString());
        Assert.Equal(1, metric.RootElement.GetProperty(RevocationCheck.UnavailableMetric).GetInt32());
    }
}
