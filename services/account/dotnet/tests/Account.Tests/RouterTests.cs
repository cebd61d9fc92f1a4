using PurposePath.Account.Http;

namespace PurposePath.Account.Tests;

public sealed class RouterTests
{
    private static readonly Router Router = new Router()
        .Map("GET", "/things", (_, _) => Task.FromResult(ApiResponse.NoContent()))
        .Map("POST", "/things", (_, _) => throw ApiException.Conflict("already there"));

    [Fact]
    public async Task AnUnknownPathAnswers404InTheErrorShape()
    {
        var response = await Router.DispatchAsync(new ApiRequest("GET", "/nothing"), CancellationToken.None);
        Assert.Equal(404, response.Status);
        Assert.Equal("""{"error":{"code":"not_found","message":"no route for GET /nothing"}}""", response.Body);
    }

    [Fact]
    public async Task AKnownPathWithAnotherMethodAnswers405WithAllow()
    {
        var response = await Router.DispatchAsync(new ApiRequest("DELETE", "/things"), CancellationToken.None);
        Assert.Equal(405, response.Status);
        Assert.Equal("GET, POST", response.Headers["Allow"]);
        Assert.Contains("\"method_not_allowed\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnApiExceptionBecomesItsStatusAndCode()
    {
        var response = await Router.DispatchAsync(new ApiRequest("post", "/things"), CancellationToken.None);
        Assert.Equal(409, response.Status);
        Assert.Equal("""{"error":{"code":"conflict","message":"already there"}}""", response.Body);
    }

    [Fact]
    public void MappingARouteTwiceIsRefused()
    {
        var router = new Router().Map("GET", "/x", (_, _) => Task.FromResult(ApiResponse.NoContent()));
        Assert.Throws<InvalidOperationException>(() => router.Map("get", "/x", (_, _) => Task.FromResult(ApiResponse.NoContent())));
    }

    [Fact]
    public void AnUnauthorizedErrorCarriesTheBearerChallenge()
    {
        var response = ApiResponse.Error(ApiException.Unauthorized());
        Assert.Equal(401, response.Status);
        Assert.Equal("Bearer", response.Headers["WWW-Authenticate"]);
    }

    [Theory]
    [InlineData("POST /auth/login", "/account/auth/login", "/auth/login")]
    [InlineData("$default", "/auth/login", "/auth/login")]
    [InlineData("ANY /{proxy+}", "/auth/login", "/auth/login")]
    public void TheRoutePathComesFromTheRouteKeyWhenItNamesOne(string routeKey, string rawPath, string expected)
    {
        var request = TestApi.Event("POST", "/ignored");
        request.RouteKey = routeKey;
        request.RawPath = rawPath;
        Assert.Equal(expected, ApiRequest.FromHttpApi(request).Path);
    }
}
