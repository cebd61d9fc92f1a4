using System.Text;
using System.Text.Json;
using PurposePath.Account.Http;

namespace PurposePath.Account.Accounts;

public sealed record Registration(string Email, string Password, string Name, string TenantName);

/// <summary>Login input; <see cref="Email"/> is null when the address has no canonical form (it then behaves as an unknown one).</summary>
public sealed record Credentials(string? Email, string Password);

/// <summary><c>POST /auth/password-reset/confirm</c>: the emailed token and the new password.</summary>
public sealed record PasswordReset(string Token, string NewPassword);

/// <summary>A password change: the current password (re-authentication) and the new one.</summary>
public sealed record PasswordChange(string CurrentPassword, string NewPassword);

/// <summary>The input rules of the account contract, as the Python runtime applies them (account.validation).</summary>
public static class Validation
{
    public const int MinPasswordChars = 12;

    /// <summary>Bounded so a request cannot make the KDF hash megabytes; generous for passphrases.</summary>
    public const int MaxPasswordChars = 1024;

    public const int MaxNameChars = 100;

    /// <summary>RFC 5321 path limit.</summary>
    public const int MaxEmailChars = EmailAddress.MaxChars;

    /// <summary>Emailed tokens are 32 random bytes in base64url: 43 characters.</summary>
    public const int MaxEmailTokenChars = 256;

    public static Registration ParseRegistration(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var email = body.RequireString("email");
        var password = body.RequireString("password");
        var name = body.RequireString("name");
        var tenantName = body.RequireString("tenantName");
        return new Registration(EmailAddress.Canonical(email), NewPassword("password", password), DisplayName("name", name), DisplayName("tenantName", tenantName));
    }

    /// <summary>Login input: only presence and type are checked, so no rule leaks which part was wrong.</summary>
    public static Credentials ParseCredentials(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var email = body.RequireString("email");
        var password = body.RequireString("password");
        return new Credentials(EmailAddress.CanonicalOrNull(email), password);
    }

    /// <summary><c>POST /auth/password-reset</c>: a well-formed address (400 otherwise), known or not.</summary>
    public static string ParseResetRequest(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return EmailAddress.Canonical(body.RequireString("email"));
    }

    /// <summary>An emailed token from a body field or a query parameter; 400 when absent or absurdly long.</summary>
    public static string ParseEmailToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw ApiException.BadRequest("field 'token' is required: send the token from the emailed link");
        }

        if (token.Length > MaxEmailTokenChars)
        {
            throw new ApiException(400, "invalid_token", "the link is invalid or has expired: ask for a new one");
        }

        return token;
    }

    public static PasswordReset ParsePasswordReset(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var token = ParseEmailToken(body.OptionalString("token"));
        return new PasswordReset(token, NewPassword("newPassword", body.RequireString("newPassword")));
    }

    /// <summary>
    /// <c>POST /auth/password</c>: both fields present strings (400); the new one follows the
    /// registration rule. The current one is checked only for presence and type, as at login.
    /// </summary>
    public static PasswordChange ParsePasswordChange(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var current = body.RequireString("currentPassword");
        var next = body.RequireString("newPassword");
        return new PasswordChange(current, NewPassword("newPassword", next));
    }

    /// <summary>
    /// The password <c>DELETE /auth/me</c> requires, or null when the body is absent, not a
    /// JSON object, or has no non-empty string <c>password</c>. Never a 400: a missing
    /// password answers as a wrong one does (401), so the route tells an attacker nothing
    /// either way (as account.validation.reauthentication).
    /// </summary>
    public static string? ParseDeletionPassword(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("password", out var password)
                && password.ValueKind == JsonValueKind.String
                && password.GetString() is { Length: > 0 } text
                    ? text
                    : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    public static string ParseRefreshToken(JsonBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.RequireString("refreshToken");
    }

    /// <summary>Length in Unicode code points, as Python's len() counts.</summary>
    public static int CodePoints(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static string NewPassword(string field, string raw)
    {
        var length = CodePoints(raw.Normalize(NormalizationForm.FormC));
        if (length < MinPasswordChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have at least {MinPasswordChars} characters");
        }

        if (length > MaxPasswordChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have at most {MaxPasswordChars} characters");
        }

        return raw;
    }

    private static string DisplayName(string field, string raw)
    {
        var name = raw.Trim();
        var length = CodePoints(name);
        if (length < 1 || length > MaxNameChars)
        {
            throw ApiException.BadRequest($"field '{field}' must have 1 to {MaxNameChars} characters");
        }

        return name;
    }
}
