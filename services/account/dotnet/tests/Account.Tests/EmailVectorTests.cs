using System.Text.Json;
using PurposePath.Account.Accounts;
using PurposePath.Account.Http;

namespace PurposePath.Account.Tests;

/// <summary>
/// The <c>email</c> section of contract/test-vectors.json, which the Python runtime passes
/// too: the same canonical form, or the same refusal, for every input.
/// </summary>
public sealed class EmailVectorTests
{
    [Fact]
    public void EveryEmailVectorGivesItsCanonicalFormOrIsRefused()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoFiles.ContractVectors));
        var cases = document.RootElement.GetProperty("email").GetProperty("cases").EnumerateArray().ToList();
        Assert.True(cases.Count >= 30, $"the email section has {cases.Count} cases; the contract asks for at least 30");
        Assert.Contains(cases, vector => vector.GetProperty("canonical").ValueKind == JsonValueKind.Null);
        Assert.Contains(cases, vector => vector.GetProperty("canonical").ValueKind == JsonValueKind.String);
        foreach (var vector in cases)
        {
            var name = vector.GetProperty("name").GetString();
            var expected = vector.GetProperty("canonical").ValueKind == JsonValueKind.Null
                ? null
                : vector.GetProperty("canonical").GetString();
            string? input;
            try
            {
                input = vector.GetProperty("input").GetString();
            }
            catch (InvalidOperationException)
            {
                // A lone surrogate: no .NET string can be read from it, and a request body
                // holding one is refused before any field is read (JsonBody).
                Assert.True(expected is null, $"email vector '{name}' holds invalid Unicode but expects {expected}");
                continue;
            }

            Assert.True(
                EmailAddress.CanonicalOrNull(input!) == expected,
                $"email vector '{name}': expected {expected ?? "refusal"}, got {EmailAddress.CanonicalOrNull(input!) ?? "refusal"}");
            if (expected is null)
            {
                var refused = Assert.Throws<ApiException>(() => EmailAddress.Canonical(input!));
                Assert.Equal(400, refused.Status);
                Assert.StartsWith("field 'email' ", refused.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("victim@example.com\u200b")]
    [InlineData("victim@example.com\u2060")]
    [InlineData("\ufeffvictim@example.com")]
    [InlineData("vict\u0130m@example.com")]
    [InlineData("victim\u001c@example.com")]
    [InlineData("victim\uff20example.com")]
    [InlineData("victim@ex\u00e4mple.com")]
    public void InvisibleAndNonAsciiLookAlikesAreRefusedNotMerged(string lookAlike)
    {
        Assert.Null(EmailAddress.CanonicalOrNull(lookAlike));
        Assert.Equal("victim@example.com", EmailAddress.CanonicalOrNull("  Victim@EXAMPLE.com "));
    }

    [Fact]
    public void LengthsAreCappedAtTheSmtpLimits()
    {
        var local64 = new string('a', 64);
        Assert.NotNull(EmailAddress.CanonicalOrNull($"{local64}@example.com"));
        Assert.Null(EmailAddress.CanonicalOrNull($"{local64}a@example.com"));
        var domain = string.Join('.', Enumerable.Repeat(new string('d', 60), 4)); // 243 characters
        var fits = $"{new string('a', 254 - 1 - domain.Length)}@{domain}";
        Assert.Equal(254, fits.Length);
        Assert.NotNull(EmailAddress.CanonicalOrNull(fits));
        Assert.Null(EmailAddress.CanonicalOrNull("a" + fits));
    }
}
