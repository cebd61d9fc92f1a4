using PurposePath.Account.Http;

namespace PurposePath.Account.Accounts;

/// <summary>
/// The canonical form of an email address (FORMATS.md, "Email address"), the same in both
/// runtimes because it is defined on 7-bit ASCII only: Amazon SES does not support SMTPUTF8,
/// so a local part may only hold 7-bit ASCII and a non-ASCII domain must be sent as Punycode
/// (SES API reference, <c>Destination</c>). No Unicode normalisation or case mapping is left
/// for the runtimes to disagree on: every non-ASCII character (controls, format characters
/// such as U+200B, U+2060, U+FEFF, U+0130, fullwidth forms) is refused.
/// </summary>
public static class EmailAddress
{
    public const int MaxChars = 254;
    public const int MaxLocalChars = 64;
    public const int MaxDomainChars = 253;
    public const int MaxLabelChars = 63;

    private const string Field = "field 'email'";

    // RFC 5322 atext: the characters of a dot-atom local part besides letters and digits.
    private const string AtextSymbols = "!#$%&'*+/=?^_`{|}~-";

    /// <summary>The canonical address, or 400 naming the field, the cause and the fix.</summary>
    public static string Canonical(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return Check(raw, out var canonical) is { } problem
            ? throw ApiException.BadRequest($"{Field} {problem}")
            : canonical;
    }

    /// <summary>The canonical address, or null when <paramref name="raw"/> has none (login and reset treat it as unknown).</summary>
    public static string? CanonicalOrNull(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        return Check(raw, out var canonical) is null ? canonical : null;
    }

    /// <returns>What is wrong with <paramref name="raw"/>, or null when <paramref name="canonical"/> holds its canonical form.</returns>
    private static string? Check(string raw, out string canonical)
    {
        canonical = string.Empty;
        var text = raw.Trim(' ');
        foreach (var c in text)
        {
            if (c is < '\x21' or > '\x7e')
            {
                return c > '\x7e'
                    ? "must be 7-bit ASCII (mail cannot be sent to other characters; write a non-ASCII domain in its xn-- form)"
                    : "must not contain spaces or control characters";
            }
        }

        if (text.Length > MaxChars)
        {
            return $"must have at most {MaxChars} characters";
        }

        var lower = text.ToLowerInvariant(); // ASCII only at this point: A-Z -> a-z and nothing else
        var at = lower.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || lower.IndexOf('@', at + 1) >= 0)
        {
            return "is not an email address: it needs exactly one @ (name@domain.tld)";
        }

        var local = lower[..at];
        var domain = lower[(at + 1)..];
        if (LocalProblem(local) is { } localProblem)
        {
            return localProblem;
        }

        if (DomainProblem(domain) is { } domainProblem)
        {
            return domainProblem;
        }

        canonical = lower;
        return null;
    }

    private static string? LocalProblem(string local)
    {
        if (local.Length is < 1 or > MaxLocalChars)
        {
            return $"must have 1 to {MaxLocalChars} characters before the @";
        }

        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return "must not start or end its name with a dot, or have two dots in a row";
        }

        foreach (var c in local)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || AtextSymbols.Contains(c, StringComparison.Ordinal)))
            {
                return $"has a character ('{c}') that is not allowed before the @ (quoted names are not accepted)";
            }
        }

        return null;
    }

    private static string? DomainProblem(string domain)
    {
        if (domain.Length is < 1 or > MaxDomainChars)
        {
            return $"must have a domain of 1 to {MaxDomainChars} characters after the @";
        }

        var labels = domain.Split('.');
        if (labels.Length < 2)
        {
            return "must have a domain with a dot (name@domain.tld)";
        }

        foreach (var label in labels)
        {
            if (label.Length is < 1 or > MaxLabelChars
                || label.StartsWith('-')
                || label.EndsWith('-')
                || !label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return $"has a domain part ('{label}') that is not 1 to {MaxLabelChars} letters, digits or inner hyphens";
            }
        }

        return labels[^1].All(char.IsAsciiDigit)
            ? "must end its domain with a name, not a number"
            : null;
    }
}
