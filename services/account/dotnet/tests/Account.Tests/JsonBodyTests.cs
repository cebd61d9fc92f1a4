using System.Text;
using PurposePath.Account.Http;

namespace PurposePath.Account.Tests;

/// <summary>The request-body rules every service applies (FORMATS.md, "Request bodies"): each malformed body is a 4xx, never a 500.</summary>
public sealed class JsonBodyTests
{
    private readonly TestApi _api = new();

    private static string Login(string email = "a@example.com", string password = "correct-horse-battery") =>
        $$"""{"email":"{{email}}","password":"{{password}}"}""";

    [Fact]
    public async Task ABodyThatIsNotDeclaredJsonIs415()
    {
        foreach (var contentType in new[] { "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1" })
        {
            var request = TestApi.Event("POST", "/auth/login", Login());
            request.Headers["content-type"] = contentType;
            (await _api.CallAsync(request)).AssertError(415, "unsupported_media_type");
        }

        var utf8 = TestApi.Event("POST", "/auth/login", Login());
        utf8.Headers["content-type"] = "application/json; charset=UTF-8";
        (await _api.CallAsync(utf8)).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task AnOversizeBodyIs413()
    {
        var body = Login(password: new string('p', JsonBody.MaxBodyBytes));
        (await _api.CallAsync(TestApi.Event("POST", "/auth/login", body))).AssertError(413, "payload_too_large");
    }

    [Fact]
    public async Task DeepNestingIsRefusedBeforeParsing()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var body = $$"""{"email":"a@example.com","password":{{deep}}}""";
        // 100,000 levels are over the size cap too; the depth rule holds on its own under it.
        (await _api.CallAsync(TestApi.Event("POST", "/auth/login", body))).AssertError(413, "payload_too_large");
        var under = new string('[', 33) + new string(']', 33);
        var message = (await _api.CallAsync(TestApi.Event("POST", "/auth/login", $$"""{"password":{{under}}}""")))
            .AssertError(400, "bad_request");
        Assert.Contains("deeper than 32", message, StringComparison.Ordinal);
        Assert.Equal(33, JsonBody.NestingDepth("[\"[[[\"," + under + "]") - 1);
    }

    [Theory]
    [InlineData("""{"email":"a@example.com","password":"correct-horse-\ud800"}""", "lone surrogate")]
    [InlineData("""{"email":"a@ex\udc00ample.com","password":"correct-horse-battery"}""", "lone surrogate")]
    [InlineData("""{"\ud800":1,"email":"a@example.com","password":"correct-horse-battery"}""", "lone surrogate")]
    [InlineData("""{"email":"a@example.com","email":"b@example.com","password":"correct-horse-battery"}""", "repeats")]
    [InlineData("""{"email":"a@example.com","password":"correct-horse-battery","n":1e-200}""", "outside")]
    [InlineData("""{"email":"a@example.com","password":"correct-horse-battery","n":1e200}""", "outside")]
    [InlineData("""{"email":"a@example.com","password":"correct-horse-battery","n":12345678901234567890123456789012345678901}""", "outside")]
    [InlineData("""{"email":"a@example.com","password":"correct-horse-battery","n":NaN}""", "not valid JSON")]
    public async Task MalformedValuesAre400(string body, string expected)
    {
        var message = (await _api.CallAsync(TestApi.Event("POST", "/auth/login", body))).AssertError(400, "bad_request");
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Empty(_api.Errors);
    }

    [Fact]
    public async Task ABase64BodyThatIsNotUtf8Is400()
    {
        var request = TestApi.Event("POST", "/auth/login", null);
        request.Body = Convert.ToBase64String([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
        request.IsBase64Encoded = true;
        (await _api.CallAsync(request)).AssertError(400, "bad_request");
        var broken = TestApi.Event("POST", "/auth/login", null);
        broken.Body = "not base64!";
        broken.IsBase64Encoded = true;
        (await _api.CallAsync(broken)).AssertError(400, "bad_request");
        Assert.Empty(_api.Errors);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-0.000", true)]
    [InlineData("1E-130", true)]
    [InlineData("1E-131", false)]
    [InlineData("9.9999999999999999999999999999999999999E+125", true)]
    [InlineData("1E+126", false)]
    [InlineData("0.001e-127", true)]
    [InlineData("0.001e-128", false)]
    [InlineData("12345678901234567890123456789012345678", true)]
    [InlineData("123456789012345678901234567890123456789", false)]
    [InlineData("1000000000000000000000000000000000000000000", true)]
    [InlineData("1e99999999999999999999", false)]
    [InlineData("0e99999999999999999999", true)]
    public void DynamoNumbersDecidesOnTheText(string json, bool storable)
    {
        Assert.Equal(storable, DynamoNumbers.IsStorable(json));
    }

    [Fact]
    public async Task DeleteMeWithABodyNotDeclaredJsonIs415()
    {
        var account = await _api.RegisterAsync("ada@example.com");
        var request = TestApi.Event("DELETE", "/auth/me", $$"""{"password":"{{TestApi.Password}}"}""", account.Access);
        request.Headers["content-type"] = "text/plain";
        (await _api.CallAsync(request)).AssertError(415, "unsupported_media_type");
        Assert.Contains(account.UserId, _api.Users.Users.Keys);
    }

    [Fact]
    public void NestingDepthIgnoresBracketsInStrings()
    {
        Assert.Equal(1, JsonBody.NestingDepth(Encoding.UTF8.GetString("{\"a\":\"[[[{{{\\\"]]\"}"u8)));
    }
}
