using System.Text.Json;

namespace PurposePath.Account.Http;

/// <summary>
/// A request body that must be a JSON object. Missing or mistyped fields answer 400 with
/// the messages of the Python services (ppcommon.http.require_fields). A repeated key
/// resolves to its last value, as Python's json module does.
/// </summary>
public sealed class JsonBody
{
    private readonly JsonElement _root;

    private JsonBody(JsonElement root) => _root = root;

    public static JsonBody Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw ApiException.BadRequest("request body is required: send a JSON object");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            throw ApiException.BadRequest("request body is not valid JSON");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("request body must be a JSON object");
        }

        return new JsonBody(root);
    }

    /// <summary>The string value of <paramref name="name"/>; 400 when absent, null or not a string.</summary>
    public string RequireString(string name) =>
        OptionalString(name) ?? throw ApiException.BadRequest($"field '{name}' is required");

    /// <summary>The string value of <paramref name="name"/>, null when absent or null; 400 when not a string.</summary>
    public string? OptionalString(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest($"field '{name}' must be a string");
        }

        try
        {
            return value.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\ud800") is valid JSON but no valid text.
            throw ApiException.BadRequest($"field '{name}' is not valid Unicode text");
        }
    }
}
