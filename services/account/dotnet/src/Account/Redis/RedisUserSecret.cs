using System.Text.Json;
using Amazon.SecretsManager;
using Amazon.SecretsManager.Model;
using PurposePath.Account.Auth;

namespace PurposePath.Account.Redis;

/// <summary>
/// The service's own Redis ACL user from Secrets Manager (<c>REDIS_USER_SECRET_ARN</c>,
/// SecretString <c>{"username": ..., "password": ...}</c>), read once per container.
/// Messages name the secret, never its values.
/// </summary>
public sealed class RedisUserSecret(IAmazonSecretsManager client, string secretArn)
{
    private volatile RedisCredentials? _credentials;

    public async Task<RedisCredentials> GetAsync(CancellationToken cancellationToken)
    {
        if (_credentials is { } cached)
        {
            return cached;
        }

        var response = await client
            .GetSecretValueAsync(new GetSecretValueRequest { SecretId = secretArn }, cancellationToken)
            .ConfigureAwait(false);
        var credentials = Parse(secretArn, response.SecretString);
        _credentials = credentials;
        return credentials;
    }

    public static RedisCredentials Parse(string secretArn, string? secretString)
    {
        const string Fix = "store {\"username\": \"purposepath-<stage>-account\", \"password\": \"...\"} (the shared stack creates it)";
        if (secretString is null)
        {
            throw new SecretException($"Redis user secret {secretArn} has no SecretString; {Fix}");
        }

        try
        {
            using var document = JsonDocument.Parse(secretString);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SecretException($"Redis user secret {secretArn} is not a JSON object; {Fix}");
            }

            var username = StringOf(root, "username");
            var password = StringOf(root, "password");
            if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
            {
                throw new SecretException($"Redis user secret {secretArn} lacks a non-empty \"username\" or \"password\"; {Fix}");
            }

            return new RedisCredentials(username, password);
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            // The parser's message quotes the text it choked on: never pass it along.
            throw new SecretException($"Redis user secret {secretArn} is not valid JSON; {Fix}");
        }
    }

    private static string? StringOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
