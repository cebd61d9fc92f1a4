using System.Text.Json.Nodes;
using PurposePath.Account.Http;

namespace PurposePath.Account.Accounts;

/// <summary>
/// The HTTP contract of the account service (services/testing/src/pptesting/account_contract.py), one handler per
/// route. <c>template-dotnet.yaml</c> declares exactly <see cref="Router.Routes"/>.
/// </summary>
public static class AccountRoutes
{
    public const string Runtime = "dotnet";

    /// <param name="service">Created on first use, so <c>GET /health</c> needs no configuration or AWS client.</param>
    public static Router Build(Func<AccountService> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new Router()
            .Map("GET", "/health", (_, _) => Task.FromResult(Health()))
            .Map("POST", "/auth/register", async (request, ct) =>
            {
                var registration = Validation.ParseRegistration(JsonBody.Parse(request.Body));
                var user = await service().RegisterAsync(registration, ct).ConfigureAwait(false);
                return ApiResponse.Json(201, new JsonObject { ["userId"] = user.UserId, ["tenantId"] = user.TenantId });
            })
            .Map("POST", "/auth/login", async (request, ct) =>
            {
                var credentials = Validation.ParseCredentials(JsonBody.Parse(request.Body));
                return Tokens(await service().LoginAsync(credentials, ct).ConfigureAwait(false));
            })
            .Map("POST", "/auth/refresh", async (request, ct) =>
            {
                var token = Validation.ParseRefreshToken(JsonBody.Parse(request.Body));
                return Tokens(await service().RefreshAsync(token, ct).ConfigureAwait(false));
            })
            .Map("POST", "/auth/logout", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var token = Validation.ParseRefreshToken(JsonBody.Parse(request.Body));
                await accounts.LogoutAsync(claims, token, ct).ConfigureAwait(false);
                return ApiResponse.NoContent();
            })
            .Map("POST", "/auth/logout-all", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                await accounts.LogoutEverywhereAsync(claims, ct).ConfigureAwait(false);
                return ApiResponse.NoContent();
            })
            .Map("POST", "/auth/password", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var change = Validation.ParsePasswordChange(JsonBody.Parse(request.Body));
                return Tokens(await accounts.ChangePasswordAsync(claims, change, ct).ConfigureAwait(false));
            })
            .Map("GET", "/auth/me", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var user = await accounts.CurrentUserAsync(claims, ct).ConfigureAwait(false);
                return ApiResponse.Json(200, new JsonObject
                {
                    ["userId"] = user.UserId,
                    ["email"] = user.Email,
                    ["name"] = user.Name,
                    ["tenantId"] = user.TenantId,
                    ["role"] = user.Role,
                });
            })
            .Map("DELETE", "/auth/me", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var password = Validation.ParseDeletionPassword(request.Body);
                await accounts.DeleteAccountAsync(claims, password, ct).ConfigureAwait(false);
                return ApiResponse.NoContent();
            })
            .Map("GET", "/tenants/current", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var tenant = await accounts.CurrentTenantAsync(claims, ct).ConfigureAwait(false);
                return ApiResponse.Json(200, new JsonObject { ["tenantId"] = tenant.TenantId, ["name"] = tenant.Name });
            });
    }

    /// <summary>Answers without touching AWS, so it proves the function runs.</summary>
    public static ApiResponse Health() =>
        ApiResponse.Json(200, new JsonObject { ["status"] = "ok", ["service"] = "account", ["runtime"] = Runtime });

    private static ApiResponse Tokens(TokenPair pair) => ApiResponse.Json(200, new JsonObject
    {
        ["accessToken"] = pair.AccessToken,
        ["refreshToken"] = pair.RefreshToken,
        ["tokenType"] = "Bearer",
        ["expiresIn"] = pair.ExpiresIn,
    });
}
