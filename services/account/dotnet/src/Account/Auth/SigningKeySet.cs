using System.Globalization;
using System.Text.Json;

namespace PurposePath.Account.Auth;

/// <summary>The published key set is missing or malformed. Messages name the parameter, the cause and the fix.</summary>
public sealed class SigningKeysException(string message) : Exception(message)
{
}

/// <summary>
/// The key set the shared stack publishes in SSM (<c>SIGNING_KEYS_PARAMETER</c>, value
/// <c>{"active":"&lt;key id&gt;","accepted":["&lt;key id&gt;",...],"legacyHs256Until":"&lt;ISO-8601 UTC or empty&gt;"}</c>):
/// the KMS key that signs, the keys whose tokens verify (active and previous), and the end
/// of the legacy HS256 window (null when it is closed).
/// </summary>
public sealed record SigningKeySet(string Active, IReadOnlyList<string> Accepted, DateTimeOffset? LegacyHs256Until)
{
    /// <summary>True when <paramref name="keyId"/> is one of the accepted keys (exact, ordinal).</summary>
    public bool Accepts(string keyId) => Accepted.Contains(keyId, StringComparer.Ordinal);

    /// <summary>True while HS256 tokens signed with the legacy secret still verify.</summary>
    public bool LegacyWindowOpen(long now) =>
        LegacyHs256Until is { } until && now < until.ToUnixTimeSeconds();

    /// <summary>Reads the parameter's value; every defect is a <see cref="SigningKeysException"/> naming <paramref name="parameter"/>.</summary>
    public static SigningKeySet Parse(string parameter, string? value)
    {
        const string Fix = "the shared stack writes it; redeploy the shared stack (invoke deploy) or rotate-signing-key to repair it";
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new SigningKeysException($"signing key set {parameter} is empty; {Fix}");
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SigningKeysException($"signing key set {parameter} is not a JSON object; {Fix}");
            }

            var active = root.TryGetProperty("active", out var activeElement) && activeElement.ValueKind == JsonValueKind.String
                ? activeElement.GetString()
                : null;
            if (string.IsNullOrEmpty(active))
            {
                throw new SigningKeysException($"signing key set {parameter} lacks the \"active\" key id; {Fix}");
            }

            if (!root.TryGetProperty("accepted", out var acceptedElement) || acceptedElement.ValueKind != JsonValueKind.Array)
            {
                throw new SigningKeysException($"signing key set {parameter} lacks the \"accepted\" list; {Fix}");
            }

            var accepted = new List<string>();
            foreach (var entry in acceptedElement.EnumerateArray())
            {
                var keyId = entry.ValueKind == JsonValueKind.String ? entry.GetString() : null;
                if (string.IsNullOrEmpty(keyId))
                {
                    throw new SigningKeysException($"signing key set {parameter} has an \"accepted\" entry that is not a key id; {Fix}");
                }

                accepted.Add(keyId);
            }

            if (!accepted.Contains(active, StringComparer.Ordinal))
            {
                throw new SigningKeysException($"signing key set {parameter} does not accept its own active key; {Fix}");
            }

            return new SigningKeySet(active, accepted, LegacyUntil(parameter, root, Fix));
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            throw new SigningKeysException($"signing key set {parameter} is not valid JSON; {Fix}");
        }
    }

    private static DateTimeOffset? LegacyUntil(string parameter, JsonElement root, string fix)
    {
        if (!root.TryGetProperty("legacyHs256Until", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        if (text is null)
        {
            throw new SigningKeysException($"signing key set {parameter} has a \"legacyHs256Until\" that is not a string; {fix}");
        }

        if (text.Length == 0)
        {
            return null; // the window is closed
        }

        // ISO-8601 in UTC only ("...Z" or "+00:00"): a local time would move the window by hours.
        var utc = text.EndsWith('Z') || text.EndsWith("+00:00", StringComparison.Ordinal);
        if (!utc || !text.Contains('T', StringComparison.Ordinal)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var until))
        {
            throw new SigningKeysException(
                $"signing key set {parameter} has a \"legacyHs256Until\" that is not an ISO-8601 UTC time (2026-01-01T00:00:00Z); {fix}");
        }

        return until;
    }
}
