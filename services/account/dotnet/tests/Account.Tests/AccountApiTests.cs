using System.Text;
using PurposePath.Account.Auth;

namespace PurposePath.Account.Tests;

/// <summary>
/// The HTTP contract (services/testing/src/pptesting/account_contract.py) through the Lambda handler, over
/// in-memory stores: status codes, bodies, error shapes and the session rules.
/// </summary>
public sealed class AccountApiTests
{
    private readonly TestApi _api = new();

    [Fact]
    public async Task HealthAnswersWithoutConfigurationOrAws()
    {
        var function = new Function(() => throw new InvalidOperationException("health must not build the service"));
        var response = await function.DispatchAsync(TestApi.Event("GET", "/health"), TimeSpan.FromSeconds(15), _ => { });
        var reply = new Reply(response);
        Assert.Equal(200, reply.Status);
        Assert.Equal("{\"status\":\"ok\",\"service\":\"account\",\"runtime\":\"dotnet\"}", reply.Body);
        Assert.Equal("application/json", reply.Header("Content-Type"));
    }

    [Fact]
    public async Task RegisterCreatesUserAndTenantThenLoginIssuesTheContractsTokenPair()
    {
        var created = await _api.CallAsync("POST", "/auth/register", new { email = " Ada@Example.COM ", password = TestApi.Password, name = " Ada ", tenantName = "Engines" });

        Assert.Equal(202, created.Status);
        Assert.Equal("verification_sent", created.Text("status"));
        var user = Assert.Single(_api.Users.Users.Values);
        Assert.Equal(("ada@example.com", "Ada", "owner", false), (user.Email, user.Name, user.Role, user.EmailVerified));
        Assert.StartsWith("pbkdf2_sha256$1000$", user.PasswordHash, StringComparison.Ordinal);
        Assert.Equal("Engines", _api.Users.Tenants[user.TenantId].Tenant.Name);

        (await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password }))
            .AssertError(403, "email_not_verified");
        var link = _api.Mailer.LatestLink("ada@example.com", PurposePath.Account.Mail.AccountMail.VerifySubject);
        Assert.StartsWith(TestApi.PublicBaseUrl + "/auth/verify-email?token=", link, StringComparison.Ordinal);
        var verified = await _api.CallAsync(TestApi.Event("GET", "/auth/verify-email", query: new() { ["token"] = FakeMailer.TokenOf(link) }));
        Assert.Equal(200, verified.Status);

        var login = await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password });
        Assert.Equal(200, login.Status);
        Assert.Equal("no-store", login.Header("Cache-Control"));
        Assert.Equal("Bearer", login.Text("tokenType"));
        Assert.Equal(900, login.Json().GetProperty("expiresIn").GetInt32());
        Assert.True(RefreshTokens.IsWellFormed(login.Text("refreshToken")));
        var claims = await _api.VerifyAsync(login.Text("accessToken"));
        Assert.NotNull(claims);
        Assert.Equal(
            new AccessClaims(user.UserId, user.TenantId, "owner", _api.Clock.Now + 900, claims.TokenId, claims.SessionId, _api.Clock.Now),
            claims);
        Assert.Contains(claims.SessionId, _api.Sessions.Sessions.Keys); // sid = the refresh token's session
        Assert.Equal(new[] { _api.ActiveKey }, _api.Kms.SignedWith);
    }

    [Fact]
    public async Task RegisterAnswersATakenEmailExactlyAsANewOneAndTellsTheOwner()
    {
        await _api.RegisterAsync("twin@example.com");
        var fresh = await _api.CallAsync("POST", "/auth/register", new { email = "new@example.com", password = TestApi.Password, name = "New", tenantName = "New Co" });
        var again = await _api.CallAsync("POST", "/auth/register", new { email = "  TWIN@example.com ", password = "another-password-1", name = "Twin", tenantName = "Twin Co" });

        Assert.Equal((fresh.Status, fresh.Body), (again.Status, again.Body));
        Assert.Equal(
            new[] { "cache-control", "content-type" },
            again.Headers.Keys.Select(name => name.ToLowerInvariant()).Order());
        Assert.Equal(PurposePath.Account.Mail.AccountMail.ExistingAccountSubject, _api.Mailer.Sent[^1].Subject);
        Assert.Equal("twin@example.com", _api.Mailer.Sent[^1].To);
        // The stored password is the first registration's: the second registrant owns nothing.
        var login = await _api.CallAsync("POST", "/auth/login", new { email = "twin@example.com", password = TestApi.Password });
        Assert.Equal(200, login.Status);
    }

    public static TheoryData<string, string> InvalidRegistrations => new()
    {
        { "missing email", """{"password":"correct-horse-battery","name":"N","tenantName":"T"}""" },
        { "email without @", """{"email":"not-an-email","password":"correct-horse-battery","name":"N","tenantName":"T"}""" },
        { "email without a domain dot", """{"email":"a@localhost","password":"correct-horse-battery","name":"N","tenantName":"T"}""" },
        { "email not a string", """{"email":42,"password":"correct-horse-battery","name":"N","tenantName":"T"}""" },
        { "password of 11 characters", """{"email":"a@b.co","password":"xxxxxxxxxxx","name":"N","tenantName":"T"}""" },
        { "blank name", """{"email":"a@b.co","password":"correct-horse-battery","name":"   ","tenantName":"T"}""" },
        { "name of 101 characters", $$"""{"email":"a@b.co","password":"correct-horse-battery","name":"{{new string('n', 101)}}","tenantName":"T"}""" },
        { "null tenantName", """{"email":"a@b.co","password":"correct-horse-battery","name":"N","tenantName":null}""" },
        { "array body", """[{"email":"a@b.co"}]""" },
        { "invalid JSON", "{not json" },
        { "empty body", "" },
        { "lone surrogate", """{"email":"a@b.co","password":"correct-horse-\ud800","name":"N","tenantName":"T"}""" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task RegisterRefusesInvalidInput(string what, string body)
    {
        var reply = await _api.CallAsync(TestApi.Event("POST", "/auth/register", body));
        Assert.True(reply.Status == 400, $"{what}: got {reply.Status}");
        reply.AssertError(400, "bad_request");
        Assert.Empty(_api.Users.Users);
    }

    [Fact]
    public async Task RegisterAcceptsTheInclusiveLimits()
    {
        var reply = await _api.CallAsync("POST", "/auth/register", new { email = "edge@example.com", password = new string('p', 12), name = new string('n', 100), tenantName = new string('t', 100) });
        Assert.Equal(202, reply.Status);
    }

    [Fact]
    public async Task LoginFailuresLookTheSame()
    {
        await _api.RegisterAsync("ada@example.com");
        var wrong = await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = "wrong-" + TestApi.Password });
        var unknown = await _api.CallAsync("POST", "/auth/login", new { email = "nobody@example.com", password = TestApi.Password });
        Assert.Equal(wrong.AssertError(401, "unauthorized"), unknown.AssertError(401, "unauthorized"));
        Assert.Equal(wrong.Body, unknown.Body);
        (await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com" })).AssertError(400, "bad_request");
    }

    [Fact]
    public async Task LoginIgnoresEmailCaseAndSpaces()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var login = await _api.CallAsync("POST", "/auth/login", new { email = "  ADA@example.com ", password = TestApi.Password });
        Assert.Equal(200, login.Status);
        Assert.Equal(account.UserId, (await _api.VerifyAsync(login.Text("accessToken")))?.UserId);
    }

    [Fact]
    public async Task LoginUpgradesAHashMadeWithFewerIterations()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        _api.Users.Users[account.UserId] = _api.Users.Users[account.UserId] with
        {
            PasswordHash = PasswordHasher.Hash(TestApi.Password, new byte[16], iterations: 10),
        };
        Assert.Equal(200, (await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password })).Status);
        Assert.StartsWith("pbkdf2_sha256$1000$", _api.Users.Users[account.UserId].PasswordHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MeAndCurrentTenantDescribeTheCaller()
    {
        var account = await _api.RegisterAsync("babbage@example.com", tenant: "Babbage & Co");
        var me = await _api.CallAsync("GET", "/auth/me", bearer: account.Access);
        Assert.Equal(200, me.Status);
        Assert.Equal("babbage@example.com", me.Text("email"));
        Assert.Equal(account.UserId, me.Text("userId"));
        Assert.Equal(account.TenantId, me.Text("tenantId"));
        Assert.Equal("owner", me.Text("role"));
        Assert.Equal("Contract User", me.Text("name"));
        var tenant = await _api.CallAsync("GET", "/tenants/current", bearer: account.Access);
        Assert.Equal(200, tenant.Status);
        Assert.Equal("Babbage & Co", tenant.Text("name"));
        Assert.Equal(account.TenantId, tenant.Text("tenantId"));
    }

    [Fact]
    public async Task RefreshRotatesAndReuseOfASpentTokenRevokesTheSession()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var first = await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh });
        Assert.Equal(200, first.Status);
        Assert.NotEqual(account.Refresh, first.Text("refreshToken"));
        var second = await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = first.Text("refreshToken") });
        Assert.Equal(200, second.Status);

        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh })).AssertError(401, "unauthorized");
        Assert.Single(_api.Warnings);
        Assert.DoesNotContain(account.Refresh, _api.Warnings[0], StringComparison.Ordinal);
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = second.Text("refreshToken") })).AssertError(401, "unauthorized");

        var other = await _api.CallAsync("POST", "/auth/login", new { email = "ada@example.com", password = TestApi.Password });
        Assert.Equal(200, (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = other.Text("refreshToken") })).Status);
    }

    [Fact]
    public async Task ARotationRaceLostToAnotherHolderRevokesTheSession()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        _api.Sessions.SpendBeforeNextRotation = true;
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh })).AssertError(401, "unauthorized");
        Assert.All(_api.Sessions.Sessions.Values, session => Assert.Equal("revoked", session.Status));
    }

    [Fact]
    public async Task RefreshRefusesUnknownMalformedAndExpiredTokens()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        foreach (var token in new[] { RefreshTokens.NewToken(), "garbage", string.Empty })
        {
            (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = token })).AssertError(401, "unauthorized");
        }

        (await _api.CallAsync("POST", "/auth/refresh", new { })).AssertError(400, "bad_request");
        _api.Clock.Now += RefreshTokens.LifetimeSeconds;
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh })).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task LogoutEndsTheCallersSessionOnly()
    {
        var alice = await _api.RegisterAsync("alice@example.com");
        var mallory = await _api.RegisterAsync("mallory@example.com");
        (await _api.CallAsync("POST", "/auth/logout", new { refreshToken = alice.Refresh })).AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/logout", new { refreshToken = alice.Refresh }, mallory.Access)).AssertError(401, "unauthorized");

        var reply = await _api.CallAsync("POST", "/auth/logout", new { refreshToken = alice.Refresh }, alice.Access);
        Assert.Equal(204, reply.Status);
        Assert.Null(reply.Body);
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = alice.Refresh })).AssertError(401, "unauthorized");
        Assert.Equal(200, (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = mallory.Refresh })).Status);
    }

    [Fact]
    public async Task ForgedAndMalformedAccessTokensAreRefused()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var parts = account.Access.Split('.');
        var attacks = new[]
        {
            AccessTokens.Issue(Encoding.UTF8.GetBytes(new string('x', 64)), account.UserId, account.TenantId, "owner", _api.Clock.Now),
            $"{parts[0]}.{parts[1]}.{parts[2][..^4]}",
            account.Refresh,
            "not.a.jwt",
        };
        foreach (var token in attacks)
        {
            (await _api.CallAsync("GET", "/auth/me", bearer: token)).AssertError(401, "unauthorized");
        }

        (await _api.CallAsync("GET", "/auth/me")).AssertError(401, "unauthorized");
        var basic = TestApi.Event("GET", "/auth/me");
        basic.Headers["authorization"] = $"Basic {account.Access}";
        (await _api.CallAsync(basic)).AssertError(401, "unauthorized");
        _api.Clock.Now += 900;
        (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task DeleteMeRemovesTheAccountItsSessionsAndItsOnlyOwnersTenant()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        (await _api.CallAsync("DELETE", "/auth/me")).AssertError(401, "unauthorized");
        Assert.Equal(204, (await _api.CallAsync("DELETE", "/auth/me", new { password = TestApi.Password }, account.Access)).Status);

        Assert.Empty(_api.Users.Users);
        Assert.Empty(_api.Sessions.Tokens);
        Assert.Empty(_api.Users.Tenants);
        (await _api.CallAsync("GET", "/auth/me", bearer: account.Access)).AssertError(401, "unauthorized");
        // Revoked everywhere: even a route that reads no user refuses the token now.
        (await _api.CallAsync("GET", "/tenants/current", bearer: account.Access)).AssertError(401, "unauthorized");
        (await _api.CallAsync("POST", "/auth/refresh", new { refreshToken = account.Refresh })).AssertError(401, "unauthorized");
        await _api.RegisterAsync("ada@example.com"); // the email is free again
    }

    [Fact]
    public async Task TheCustomDomainsMappingKeyInRawPathDoesNotChangeTheRoute()
    {
        var reply = await _api.CallAsync(TestApi.Event("GET", "/health", rawPathPrefix: "/account"));
        Assert.Equal(200, reply.Status);
    }

    [Fact]
    public async Task AnUnexpectedFailureAnswers500WithoutDetailsAndLogsNoSecrets()
    {
        var failing = new Function(() => throw new InvalidOperationException("store exploded"));
        var errors = new List<string>();
        var request = TestApi.Event("POST", "/auth/login", """{"email":"ada@example.com","password":"hunter2-hunter2"}""");
        var reply = new Reply(await failing.DispatchAsync(request, TimeSpan.FromSeconds(15), errors.Add));

        reply.AssertError(500, "internal_error");
        Assert.Equal("internal error", reply.Json().GetProperty("error").GetProperty("message").GetString());
        var logged = Assert.Single(errors);
        Assert.Contains("store exploded", logged, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Base64EncodedBodiesAreDecoded()
    {
        var request = TestApi.Event("POST", "/auth/register", null);
        request.Body = Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $$"""{"email":"b64@example.com","password":"{{TestApi.Password}}","name":"N","tenantName":"T"}"""));
        request.IsBase64Encoded = true;
        Assert.Equal(202, (await _api.CallAsync(request)).Status);
    }
}
