using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Lambda.APIGatewayEvents;
using PurposePath.Account.Abuse;
using PurposePath.Account.Accounts;
using PurposePath.Account.Auth;
using PurposePath.Account.Events;
using PurposePath.Account.Mail;
using PurposePath.Account.Sessions;
using PurposePath.Account.Storage;

namespace PurposePath.Account.Tests;

/// <summary>Files outside this project, located through paths the project file records.</summary>
internal static class RepoFiles
{
    public static string ContractVectors => Metadata("ContractVectorsPath");

    public static string ServiceTemplate => Metadata("ServiceTemplatePath");

    private static string Metadata(string key)
    {
        var path = typeof(RepoFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == key).Value;
        Assert.False(string.IsNullOrEmpty(path), $"assembly metadata {key} is missing from Account.Tests.csproj");
        Assert.True(File.Exists(path), $"{key} points at {path}, which does not exist");
        return path!;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock(long now) : TimeProvider
{
    public long Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(Now);
}

internal sealed class FixedSecret(string secret) : IJwtSecretSource
{
    public byte[] Bytes { get; } = Encoding.UTF8.GetBytes(secret);

    public ValueTask<byte[]> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Bytes);
}

/// <summary>The users table semantics the service relies on, in memory.</summary>
internal sealed class InMemoryUserStore : IUserStore
{
    public Dictionary<string, User> Users { get; } = new();

    public Dictionary<string, string> EmailClaims { get; } = new();

    public Dictionary<string, (Tenant Tenant, int Owners)> Tenants { get; } = new();

    public Dictionary<string, long> RegistrationAttempts { get; } = new();

    public Task<bool> TryRegisterAsync(User user, string tenantName, long now, EmailTokenItem verification, CancellationToken cancellationToken)
    {
        if (!EmailClaims.TryAdd(user.Email, user.UserId))
        {
            return Task.FromResult(false);
        }

        Users.Add(user.UserId, user);
        Tenants.Add(user.TenantId, (new Tenant(user.TenantId, tenantName), 1));
        EmailTokens.Add((verification.Kind, verification.TokenHash), (verification.OwnerId, verification.ExpiresAt));
        return Task.FromResult(true);
    }

    public Task RecordRegistrationAttemptAsync(string userId, long now, EmailTokenItem? verification, CancellationToken cancellationToken)
    {
        RegistrationAttempts[userId] = now;
        if (verification is not null)
        {
            EmailTokens.Add((verification.Kind, verification.TokenHash), (verification.OwnerId, verification.ExpiresAt));
        }

        return Task.CompletedTask;
    }

    /// <summary>Emailed tokens by key (kind + hash), as the users table keeps them.</summary>
    public Dictionary<(EmailTokenKind Kind, string Hash), (string Owner, long ExpiresAt)> EmailTokens { get; } = new();

    /// <summary>Every address looked up, in order (the same-work checks compare them).</summary>
    public List<string> EmailLookups { get; } = [];

    public Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        EmailLookups.Add(email);
        return Task.FromResult<User?>(EmailClaims.TryGetValue(email, out var id) ? Users.GetValueOrDefault(id) : null);
    }

    public Task MarkEmailVerifiedAsync(string userId, CancellationToken cancellationToken)
    {
        Users[userId] = Users[userId] with { EmailVerified = true };
        return Task.CompletedTask;
    }

    public Task PutEmailTokenAsync(EmailTokenItem token, CancellationToken cancellationToken)
    {
        EmailTokens.Add((token.Kind, token.TokenHash), (token.OwnerId, token.ExpiresAt));
        return Task.CompletedTask;
    }

    public Task<string?> PeekEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken) =>
        Task.FromResult(EmailTokens.TryGetValue((kind, tokenHash), out var entry) && entry.ExpiresAt > now ? entry.Owner : null);

    public Task<string?> ConsumeEmailTokenAsync(EmailTokenKind kind, string tokenHash, long now, CancellationToken cancellationToken)
    {
        if (!EmailTokens.TryGetValue((kind, tokenHash), out var entry) || entry.ExpiresAt <= now)
        {
            return Task.FromResult<string?>(null);
        }

        EmailTokens.Remove((kind, tokenHash));
        return Task.FromResult<string?>(entry.Owner);
    }

    public Task<User?> FindByIdAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<User?>(Users.GetValueOrDefault(userId));

    public Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken)
    {
        Users[userId] = Users[userId] with { PasswordHash = passwordHash };
        return Task.CompletedTask;
    }

    public Task<Tenant?> FindTenantAsync(string tenantId, CancellationToken cancellationToken) =>
        Task.FromResult<Tenant?>(Tenants.TryGetValue(tenantId, out var entry) ? entry.Tenant : null);

    public Task<bool> DeleteAsync(User user, CancellationToken cancellationToken)
    {
        Users.Remove(user.UserId);
        EmailClaims.Remove(user.Email);
        if (user.Role != DynamoUserStore.OwnerRole)
        {
            return Task.FromResult(false);
        }

        if (Tenants.TryGetValue(user.TenantId, out var entry) && entry.Owners > 1)
        {
            Tenants[user.TenantId] = (entry.Tenant, entry.Owners - 1);
            return Task.FromResult(false);
        }

        Tenants.Remove(user.TenantId);
        return Task.FromResult(true);
    }
}

/// <summary>Keeps sent mail; can be told to fail like an SES outage.</summary>
internal sealed class FakeMailer : IMailer
{
    public List<MailMessage> Sent { get; } = [];

    public bool Fail { get; set; }

    public Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new MailUnavailableException("SES refused the message (Throttling)");
        }

        Sent.Add(message);
        return Task.CompletedTask;
    }

    /// <summary>The link of the latest message to <paramref name="to"/> with <paramref name="subject"/>.</summary>
    public string LatestLink(string to, string subject)
    {
        var message = Sent.LastOrDefault(sent => sent.To == to && sent.Subject == subject);
        Assert.True(message is not null, $"no '{subject}' message to {to}; sent: {string.Join(", ", Sent.Select(m => m.Subject))}");
        var line = message!.Text.Split('\n').SingleOrDefault(text => text.StartsWith("https://", StringComparison.Ordinal));
        Assert.True(line is not null, $"the '{subject}' message has no link on a line of its own");
        return line!;
    }

    /// <summary>The token of a link (its <c>token</c> query parameter).</summary>
    public static string TokenOf(string link) => Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
}

/// <summary>The sessions and tokens tables' semantics, in memory, including the rotation transaction's conditions.</summary>
internal sealed class InMemorySessionStore : ISessionStore
{
    public Dictionary<string, (string UserId, string Status, long ExpiresAt)> Sessions { get; } = new();

    public Dictionary<string, TokenRecord> Tokens { get; } = new();

    /// <summary>Makes the next rotation find its token already spent, as a racing second holder would.</summary>
    public bool SpendBeforeNextRotation { get; set; }

    public Task StartAsync(string sessionId, User user, string tokenHash, long now, CancellationToken cancellationToken)
    {
        Sessions.Add(sessionId, (user.UserId, Status.Active, now + DynamoSessionStore.SessionLifetimeSeconds));
        Tokens.Add(tokenHash, new TokenRecord(tokenHash, sessionId, user.UserId, user.TenantId, Status.Active, now + RefreshTokens.LifetimeSeconds));
        return Task.CompletedTask;
    }

    public Task<TokenRecord?> FindTokenAsync(string tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult<TokenRecord?>(Tokens.GetValueOrDefault(tokenHash));

    public Task<bool> IsActiveAsync(string sessionId, long now, CancellationToken cancellationToken) =>
        Task.FromResult(
            Sessions.TryGetValue(sessionId, out var session) && session.Status == Status.Active && session.ExpiresAt > now);

    public Task<Rotation> RotateAsync(TokenRecord current, string successorHash, long now, CancellationToken cancellationToken)
    {
        if (SpendBeforeNextRotation)
        {
            SpendBeforeNextRotation = false;
            Tokens[current.TokenHash] = Tokens[current.TokenHash] with { Status = Status.Used };
        }

        if (Tokens[current.TokenHash].Status != Status.Active)
        {
            return Task.FromResult(Rotation.AlreadySpent);
        }

        var session = Sessions[current.SessionId];
        if (session.Status != Status.Active || session.ExpiresAt <= now)
        {
            return Task.FromResult(Rotation.Refused);
        }

        Tokens[current.TokenHash] = current with { Status = Status.Used };
        Tokens.Add(successorHash, current with { TokenHash = successorHash, Status = Status.Active, ExpiresAt = now + RefreshTokens.LifetimeSeconds });
        return Task.FromResult(Rotation.Rotated);
    }

    public Task EndAsync(string sessionId, long now, CancellationToken cancellationToken)
    {
        if (Sessions.TryGetValue(sessionId, out var session))
        {
            Sessions[sessionId] = session with { Status = Status.Revoked };
        }

        foreach (var token in Tokens.Values.Where(token => token.SessionId == sessionId).ToList())
        {
            Tokens[token.TokenHash] = token with { Status = Status.Revoked };
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> SessionIdsOfUserAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(
            Sessions.Where(entry => entry.Value.UserId == userId).Select(entry => entry.Key).ToList());

    public Task PurgeUserAsync(string userId, CancellationToken cancellationToken)
    {
        foreach (var sessionId in Sessions.Where(entry => entry.Value.UserId == userId).Select(entry => entry.Key).ToList())
        {
            Sessions.Remove(sessionId);
            foreach (var token in Tokens.Values.Where(token => token.SessionId == sessionId).ToList())
            {
                Tokens.Remove(token.TokenHash);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>The SSM parameter holding the key set, in memory; counts reads.</summary>
internal sealed class FakeKeySetSource(string value) : IKeySetSource
{
    public string Value { get; set; } = value;

    public int Reads { get; private set; }

    public string Name => "/purposepath/test/signing-keys";

    public Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        Reads++;
        return Task.FromResult<string?>(Value);
    }

    public static string KeySet(string active, IEnumerable<string> accepted, string legacyUntil = "") =>
        JsonSerializer.Serialize(new { active, accepted = accepted.ToArray(), legacyHs256Until = legacyUntil });
}

/// <summary>
/// KMS for the signing keys, in memory: real P-256 private keys, signatures in KMS's DER
/// form (so the DER to r||s conversion runs), public keys as DER SubjectPublicKeyInfo.
/// </summary>
internal sealed class FakeKms : ISigningKeyService
{
    public Dictionary<string, ECDsa> Keys { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> PublicKeyReads { get; } = new(StringComparer.Ordinal);

    public List<string> SignedWith { get; } = [];

    /// <summary>Creates a key and answers its id (a UUID, as KMS key ids are).</summary>
    public string CreateKey()
    {
        var keyId = Guid.NewGuid().ToString();
        Keys[keyId] = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return keyId;
    }

    public Task<byte[]> GetPublicKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        PublicKeyReads[keyId] = PublicKeyReads.GetValueOrDefault(keyId) + 1;
        return Task.FromResult(Keys[keyId].ExportSubjectPublicKeyInfo());
    }

    public Task<byte[]> SignAsync(string keyId, byte[] message, CancellationToken cancellationToken)
    {
        SignedWith.Add(keyId);
        return Task.FromResult(Keys[keyId].SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }
}

/// <summary>The Redis revocation markers, in memory; <see cref="Reachable"/> false makes every call fail as a dead endpoint does.</summary>
internal sealed class FakeRevocationStore : IRevocationStore
{
    public Dictionary<string, long> Markers { get; } = new(StringComparer.Ordinal);

    public bool Reachable { get; set; } = true;

    public int Reads { get; private set; }

    public Task<bool> AnyRevokedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        Reads++;
        ThrowIfUnreachable();
        return Task.FromResult(keys.Any(Markers.ContainsKey));
    }

    /// <summary>Reads succeed but writes fail, as when the connection drops between the two.</summary>
    public bool FailWrites { get; set; }

    public Task RevokeAsync(IReadOnlyList<Revocation> revocations, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (FailWrites)
        {
            throw new SessionStoreUnavailableException("Redis at test:6379 is unreachable (IOException)");
        }

        foreach (var revocation in revocations)
        {
            Markers[revocation.Key] = revocation.Seconds;
        }

        return Task.CompletedTask;
    }

    private void ThrowIfUnreachable()
    {
        if (!Reachable)
        {
            throw new SessionStoreUnavailableException("Redis at test:6379 is unreachable (SocketException)");
        }
    }
}

/// <summary>The SNS topic, in memory: what was published, in order.</summary>
internal sealed class FakeAccountEvents : IAccountEvents
{
    public List<AccountEvent> Published { get; } = [];

    public Task PublishAsync(AccountEvent accountEvent, CancellationToken cancellationToken)
    {
        Published.Add(accountEvent);
        return Task.CompletedTask;
    }
}

/// <summary>A Function over in-memory stores and fake AWS, and helpers to call it as API Gateway would.</summary>
internal sealed class TestApi
{
    public const string Secret = "test-only-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN";
    public const string Password = "correct-horse-battery-staple-42";

    public TestApi()
        : this(null)
    {
    }

    /// <param name="attempts">Where the abuse limits keep their state (default: <see cref="Attempts"/>, in memory).</param>
    /// <param name="publicBaseUrl">The stage's public base URL; empty as on a stage without a custom domain.</param>
    public TestApi(IAttemptStore? attempts, string publicBaseUrl = PublicBaseUrl)
    {
        ActiveKey = Kms.CreateKey();
        KeySets = new FakeKeySetSource(FakeKeySetSource.KeySet(ActiveKey, [ActiveKey]));
        Tokens = new AccessTokenAuthority(KeySets, Kms, JwtSecret, Clock);
        Service = new AccountService(
            Users,
            Sessions,
            Tokens,
            new RevocationCheck(Revocations, Clock, Warnings.Add, Metrics.Add),
            Events,
            new PasswordHasher(iterations: 1_000),
            Clock,
            Warnings.Add,
            Mailer,
            publicBaseUrl,
            new AbuseLimits(attempts ?? Attempts, Clock, new SecurityEvents(Clock, Metrics.Add), Warnings.Add));
        Function = new Function(() => Service);
    }

    public const string PublicBaseUrl = "https://api.test.purposepath.app/account";

    /// <summary>The execute-api host the test events arrive on.</summary>
    public const string ApiHost = "abcdef1234.execute-api.eu-west-1.amazonaws.com";

    private static int _nextClient;

    public InMemoryUserStore Users { get; } = new();

    public InMemorySessionStore Sessions { get; } = new();

    public FakeMailer Mailer { get; } = new();

    public InMemoryAttemptStore Attempts { get; } = new();

    public FixedSecret JwtSecret { get; } = new(Secret);

    public ManualClock Clock { get; } = new(1_767_225_600);

    public FakeKms Kms { get; } = new();

    public FakeKeySetSource KeySets { get; }

    public string ActiveKey { get; }

    public FakeRevocationStore Revocations { get; } = new();

    public FakeAccountEvents Events { get; } = new();

    public AccessTokenAuthority Tokens { get; }

    public List<string> Warnings { get; } = [];

    public List<string> Metrics { get; } = [];

    public List<string> Errors { get; } = [];

    public AccountService Service { get; }

    public Function Function { get; }

    /// <summary>The claims of an access token as every service would verify it now (null when refused).</summary>
    public async Task<AccessClaims?> VerifyAsync(string token) =>
        (await Tokens.CheckAsync(token, CancellationToken.None)).Claims;

    public static APIGatewayHttpApiV2ProxyRequest Event(
        string method,
        string path,
        string? body = null,
        string? bearer = null,
        string rawPathPrefix = "",
        string? sourceIp = null,
        Dictionary<string, string>? query = null)
    {
        // A new client address per request unless the test names one, so the per-address
        // buckets only stop the tests that are about them.
        if (sourceIp is null)
        {
            var client = Interlocked.Increment(ref _nextClient);
            sourceIp = $"10.{client / 65536 % 256}.{client / 256 % 256}.{client % 256}";
        }
        var headers = new Dictionary<string, string> { ["content-type"] = "application/json" };
        if (bearer is not null)
        {
            headers["authorization"] = $"Bearer {bearer}";
        }

        return new APIGatewayHttpApiV2ProxyRequest
        {
            Version = "2.0",
            RouteKey = $"{method} {path}",
            RawPath = rawPathPrefix + path,
            RawQueryString = query is null ? string.Empty : string.Join("&", query.Select(pair => $"{pair.Key}={Uri.EscapeDataString(pair.Value)}")),
            QueryStringParameters = query,
            Headers = headers,
            Body = body,
            IsBase64Encoded = false,
            RequestContext = new APIGatewayHttpApiV2ProxyRequest.ProxyRequestContext
            {
                Http = new APIGatewayHttpApiV2ProxyRequest.HttpDescription { Method = method, Path = rawPathPrefix + path, SourceIp = sourceIp },
                RouteKey = $"{method} {path}",
                Stage = "$default",
                DomainName = ApiHost,
            },
        };
    }

    public async Task<Reply> CallAsync(APIGatewayHttpApiV2ProxyRequest request)
    {
        var response = await Function.DispatchAsync(request, TimeSpan.FromSeconds(15), Errors.Add);
        return new Reply(response);
    }

    public Task<Reply> CallAsync(string method, string path, object? body = null, string? bearer = null) =>
        CallAsync(Event(method, path, body is null ? null : JsonSerializer.Serialize(body), bearer));

    /// <summary>Registers, follows the emailed verification link, logs in; returns the ids and the token pair.</summary>
    public async Task<(string UserId, string TenantId, string Access, string Refresh)> RegisterAsync(string email, string tenant = "Contract Co")
    {
        var created = await CallAsync("POST", "/auth/register", new { email, password = Password, name = "Contract User", tenantName = tenant });
        Assert.Equal(202, created.Status);
        var canonical = EmailAddress.Canonical(email);
        var link = Mailer.LatestLink(canonical, AccountMail.VerifySubject);
        var verified = await CallAsync(Event("GET", "/auth/verify-email", query: new() { ["token"] = FakeMailer.TokenOf(link) }));
        Assert.Equal(200, verified.Status);
        var login = await CallAsync("POST", "/auth/login", new { email, password = Password });
        Assert.Equal(200, login.Status);
        var me = await CallAsync("GET", "/auth/me", bearer: login.Text("accessToken"));
        return (me.Text("userId"), me.Text("tenantId"), login.Text("accessToken"), login.Text("refreshToken"));
    }
}

/// <summary>A handler result, read the way a client would.</summary>
internal sealed class Reply(APIGatewayHttpApiV2ProxyResponse response)
{
    public int Status => response.StatusCode;

    public string? Body => response.Body;

    public IDictionary<string, string> Headers => response.Headers ?? new Dictionary<string, string>();

    public string? Header(string name) =>
        response.Headers?.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public JsonElement Json()
    {
        Assert.False(string.IsNullOrEmpty(Body), $"status {Status} has no body");
        using var document = JsonDocument.Parse(Body!);
        return document.RootElement.Clone();
    }

    public string Text(string property) => Json().GetProperty(property).GetString()!;

    /// <summary>Asserts the contract's error shape; returns the message.</summary>
    public string AssertError(int status, string code)
    {
        Assert.True(Status == status, $"expected {status}, got {Status}: {Body}");
        var error = Json().GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString();
        Assert.False(string.IsNullOrEmpty(message));
        if (status == 401)
        {
            Assert.Equal("Bearer", Header("WWW-Authenticate"));
        }

        return message!;
    }
}
