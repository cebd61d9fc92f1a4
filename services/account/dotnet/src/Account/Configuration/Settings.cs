namespace PurposePath.Account.Configuration;

/// <summary>A required setting is absent. The message names the variable and the fix, never a value.</summary>
public sealed class ConfigurationException(string message) : Exception(message)
{
}

/// <summary>
/// What the template passes in the environment (the shared stack's exports). Read once per
/// container, on the first request that needs AWS, so /health answers even when a
/// variable is missing.
/// </summary>
public sealed record Settings(
    string Stage,
    string JwtSecretArn,
    string UsersTable,
    string TokensTable,
    string TenantsTable,
    string SessionsTable)
{
    public static Settings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <param name="read">Looks a variable up (the process environment, or a test's dictionary).</param>
    public static Settings From(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);

        string Require(string name)
        {
            var value = read(name);
            return string.IsNullOrWhiteSpace(value)
                ? throw new ConfigurationException(
                    $"environment variable {name} is not set; the service template sets it from the shared stack's exports")
                : value.Trim();
        }

        return new Settings(
            Stage: Require("STAGE"),
            JwtSecretArn: Require("JWT_SECRET_ARN"),
            UsersTable: Require("USERS_TABLE"),
            TokensTable: Require("TOKENS_TABLE"),
            TenantsTable: Require("TENANTS_TABLE"),
            SessionsTable: Require("SESSIONS_TABLE"));
    }
}
