using System.Text;
using System.Text.Json;

namespace PurposePath.Account.Http;

/// <summary>
/// A request body that must be a JSON object. Missing or mistyped fields answer 400 with
/// the messages of the Python services (ppcommon.http.require_fields); a repeated key is
/// refused, as ppcommon.http refuses it.
/// </summary>
public sealed class JsonBody
{
    private readonly JsonElement _root;

    private JsonBody(JsonElement root) => _root = root;

    /// <summary>Bodies above this many UTF-8 bytes answer 413 (as ppcommon.http.MAX_BODY_BYTES).</summary>
    public const int MaxBodyBytes = 65_536;

    /// <summary>Deeper nesting answers 400 (as ppcommon.http.MAX_JSON_DEPTH).</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// The body of <paramref name="request"/> as a JSON object, under the input rules every
    /// service applies (FORMATS.md, "Request bodies"): <c>Content-Type: application/json</c>
    /// (415), at most <see cref="MaxBodyBytes"/> (413), nesting at most <see cref="MaxDepth"/>,
    /// no duplicate keys, no lone surrogates, numbers DynamoDB can hold (400).
    /// </summary>
    public static JsonBody Parse(ApiRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireJsonContentType(request.Header("Content-Type"), request.Body);
        return Parse(request.Body);
    }

    /// <summary>
    /// 415 unless a present body is declared <c>application/json</c> (a <c>charset</c>
    /// parameter may only say utf-8): a page in a browser can send <c>text/plain</c>
    /// cross-site without a preflight, never <c>application/json</c>.
    /// </summary>
    public static void RequireJsonContentType(string? contentType, string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return;
        }

        var parts = (contentType ?? string.Empty).Split(';');
        if (!parts[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw ApiException.UnsupportedMediaType();
        }

        foreach (var parameter in parts.Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair[0].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase)
                && (pair.Length < 2 || !pair[1].Trim().Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
            {
                throw ApiException.UnsupportedMediaType("send the body as UTF-8 JSON: Content-Type: application/json; charset=utf-8");
            }
        }
    }

    /// <summary>The body text as a JSON object (the size, depth, key, text and number rules of <see cref="Parse(ApiRequest)"/>).</summary>
    public static JsonBody Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw ApiException.BadRequest("request body is required: send a JSON object");
        }

        if (Encoding.UTF8.GetByteCount(text) > MaxBodyBytes)
        {
            throw ApiException.PayloadTooLarge($"request body is over {MaxBodyBytes / 1024} KiB: send less");
        }

        // Counted before parsing, without recursion, so no nesting can exhaust a stack.
        if (NestingDepth(text) > MaxDepth)
        {
            throw ApiException.BadRequest($"request body nests deeper than {MaxDepth} levels");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth + 1 });
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

        CheckValues(root);
        return new JsonBody(root);
    }

    /// <summary>The deepest nesting of objects and arrays in <paramref name="text"/>, ignoring brackets inside strings.</summary>
    public static int NestingDepth(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int depth = 0, deepest = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                deepest = Math.Max(deepest, ++depth);
            }
            else if (c is '}' or ']')
            {
                depth--;
            }
        }

        return deepest;
    }

    // Every key and value, with an explicit stack (no recursion): duplicate keys, text that
    // is not valid Unicode, numbers DynamoDB cannot store exactly.
    private static void CheckValues(JsonElement root)
    {
        var pending = new Stack<(JsonElement Value, string Field)>();
        pending.Push((root, string.Empty));
        while (pending.Count > 0)
        {
            var (value, field) = pending.Pop();
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    var names = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var property in value.EnumerateObject())
                    {
                        var name = TextOf(() => property.Name, field.Length == 0 ? "a key" : $"a key in field '{field}'");
                        if (!names.Add(name))
                        {
                            throw ApiException.BadRequest($"request body repeats the key '{name}': send each key once");
                        }

                        pending.Push((property.Value, field.Length == 0 ? name : field));
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        pending.Push((item, field));
                    }

                    break;
                case JsonValueKind.String:
                    TextOf(() => value.GetString() ?? string.Empty, Describe(field));
                    break;
                case JsonValueKind.Number:
                    if (!DynamoNumbers.IsStorable(value.GetRawText()))
                    {
                        throw ApiException.BadRequest(
                            $"{Describe(field)} holds a number outside what can be stored (at most 38 significant digits, magnitude 1E-130 to 9.99E+125)");
                    }

                    break;
            }
        }
    }

    private static string Describe(string field) => field.Length == 0 ? "request body" : $"field '{field}'";

    private static string TextOf(Func<string> read, string what)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\ud800") is valid JSON but no valid text.
            throw ApiException.BadRequest($"{what} is not valid Unicode text (a lone surrogate)");
        }
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
