using System.Globalization;

namespace PurposePath.Account.Configuration;

/// <summary>A required setting is absent. The message names the variable and the fix, never a value.</summary>
public sealed class ConfigurationException(string message) : Exception(message)
{
}

/// <summary>
/// What the template passes in the environment (the shared stack's exports). Read once per
/// container, on the first request that needs AWS, so /health answers even when a
/// variable is missing. <see cref="JwtSecretArn"/> is optional: the legacy HS256 secret is
/// read only while the key set's migration window is open.
/// </summary>
public sealed record Settings(
    string Stage,
    string? JwtSecretArn,
    string UsersTable,
    string TokensTable,
    string TenantsTable,
    string SessionsTable,
    string SigningKeysParameter,
    string RedisEndpoint,
    int RedisPort,
    bool RedisTls,
    string RedisUserSecretArn,
    string AccountEventsTopicArn,
    string EmailFrom,
    string PublicBaseUrl)
{
    public static Settings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <param name="read">Looks a variable up (the process environment, or a test's dictionary).</param>
    public static Settings From(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);

        string? Optional(string name) => string.IsNullOrWhiteSpace(read(name)) ? null : read(name)!.Trim();

        string Require(string name) =>
            Optional(name) ?? throw new ConfigurationException(
                $"environment variable {name} is not set; the service template sets it from the shared stack's exports");

        var port = 6379;
        if (Optional("REDIS_PORT") is { } portText
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ConfigurationException("environment variable REDIS_PORT is not a port number (1..65535); set it to the Redis port");
        }

        // ElastiCache runs with in-transit encryption; only a local Redis turns TLS off (as ppcommon.config).
        var tls = (Optional("REDIS_TLS") ?? "true").ToLowerInvariant() is not ("false" or "0" or "no");

        return new Settings(
            Stage: Require("STAGE"),
            JwtSecretArn: Optional("JWT_SECRET_ARN"),
            UsersTable: Require("USERS_TABLE"),
            TokensTable: Require("TOKENS_TABLE"),
            TenantsTable: Require("TENANTS_TABLE"),
            SessionsTable: Require("SESSIONS_TABLE"),
            SigningKeysParameter: Require("SIGNING_KEYS_PARAMETER"),
            RedisEndpoint: Require("REDIS_ENDPOINT"),
            RedisPort: port,
            RedisTls: tls,
            RedisUserSecretArn: Require("REDIS_USER_SECRET_ARN"),
            AccountEventsTopicArn: Require("ACCOUNT_EVENTS_TOPIC_ARN"),
            EmailFrom: Require("EMAIL_FROM"),
            // Empty on a stage without a custom domain: links then use the request's API host.
            PublicBaseUrl: Optional("PUBLIC_BASE_URL") ?? string.Empty);
    }
}
