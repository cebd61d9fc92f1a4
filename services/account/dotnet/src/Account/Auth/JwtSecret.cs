using System.Text;
using System.Text.Json;
using Amazon.SecretsManager;
using Amazon.SecretsManager.Model;

namespace PurposePath.Account.Auth;

/// <summary>The JWT secret is missing or malformed. Messages name the secret, never its value.</summary>
public sealed class SecretException(string message) : Exception(message)
{
}

/// <summary>Supplies the HS256 signing key.</summary>
public interface IJwtSecretSource
{
    ValueTask<byte[]> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The JWT secret from Secrets Manager, read once per container: SecretString JSON
/// <c>{"secret": "&lt;64+ chars&gt;"}</c>; the key is the UTF-8 bytes of that string,
/// exactly as ppcommon.secrets reads it. One format for every runtime is what lets a token
/// issued by one runtime verify in another (the account service switches runtime in place
/// while coaching and traction keep verifying its tokens); the shared stack creates the
/// secret in that shape. A failed read is retried by the next request.
/// </summary>
public sealed class SecretsManagerJwtSecret : IJwtSecretSource
{
    public const int MinSecretLength = 64;

    private readonly IAmazonSecretsManager _client;
    private readonly string _secretArn;
    private volatile byte[]? _secret;

    public SecretsManagerJwtSecret(IAmazonSecretsManager client, string secretArn)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(secretArn);
        _client = client;
        _secretArn = secretArn;
    }

    public async ValueTask<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (_secret is { } cached)
        {
            return cached;
        }

        var response = await _client
            .GetSecretValueAsync(new GetSecretValueRequest { SecretId = _secretArn }, cancellationToken)
            .ConfigureAwait(false);
        var secret = Parse(_secretArn, response.SecretString);
        _secret = secret;
        return secret;
    }

    /// <summary>Validates a SecretString and returns the signing key.</summary>
    public static byte[] Parse(string secretArn, string? secretString)
    {
        if (secretString is null)
        {
            throw new SecretException($"JWT secret {secretArn} has no SecretString; store it as a JSON string");
        }

        string? value;
        try
        {
            using var document = JsonDocument.Parse(secretString);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SecretException($"JWT secret {secretArn} is JSON but not an object; store an object");
            }

            value = document.RootElement.TryGetProperty("secret", out var property)
                && property.ValueKind == JsonValueKind.String
                    ? property.GetString()
                    : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            // The parser's message quotes the text it choked on: never pass it along.
            throw new SecretException($"JWT secret {secretArn} is not valid JSON; store a JSON object");
        }

        if (value is null)
        {
            throw new SecretException(
                $"JWT secret {secretArn} lacks the \"secret\" string key; store {{\"secret\": \"<64+ chars>\"}}");
        }

        if (value.Length < MinSecretLength)
        {
            throw new SecretException(
                $"JWT secret {secretArn} is {value.Length} characters, fewer than {MinSecretLength}; rotate it to a longer random value");
        }

        return Encoding.UTF8.GetBytes(value);
    }
}
