using System.Text.Json.Nodes;
using PurposePath.Account.Abuse;
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
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.Register, request, ct).ConfigureAwait(false);
                var registration = Validation.ParseRegistration(JsonBody.Parse(request));
                await accounts.RegisterAsync(registration, request.LinkBase, ct).ConfigureAwait(false);
                // The same answer for a new and an existing address: no account is revealed.
                return ApiResponse.Json(202, new JsonObject
                {
                    ["status"] = "verification_sent",
                    ["message"] = VerificationSent,
                });
            })
            .Map("POST", "/auth/login", async (request, ct) =>
            {
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.Login, request, ct).ConfigureAwait(false);
                var credentials = Validation.ParseCredentials(JsonBody.Parse(request));
                return Tokens(await accounts.LoginAsync(credentials, ct).ConfigureAwait(false));
            })
            .Map("POST", "/auth/refresh", async (request, ct) =>
            {
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.Refresh, request, ct).ConfigureAwait(false);
                var token = Validation.ParseRefreshToken(JsonBody.Parse(request));
                return Tokens(await accounts.RefreshAsync(token, ct).ConfigureAwait(false));
            })
            // GET is the emailed link; POST is for clients that hold the token.
            .Map("GET", "/auth/verify-email", (request, ct) => VerifyEmailAsync(service(), request, fromQuery: true, ct))
            .Map("POST", "/auth/verify-email", (request, ct) => VerifyEmailAsync(service(), request, fromQuery: false, ct))
            .Map("POST", "/auth/password-reset", async (request, ct) =>
            {
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.PasswordReset, request, ct).ConfigureAwait(false);
                var email = Validation.ParseResetRequest(JsonBody.Parse(request));
                await accounts.RequestPasswordResetAsync(email, request.LinkBase, ct).ConfigureAwait(false);
                return ApiResponse.Json(202, new JsonObject { ["status"] = "reset_sent", ["message"] = ResetSent });
            })
            .Map("GET", "/auth/password-reset", async (request, ct) =>
            {
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.EmailLink, request, ct).ConfigureAwait(false);
                var token = Validation.ParseLinkToken(request);
                await accounts.CheckPasswordResetAsync(token, ct).ConfigureAwait(false);
                return ApiResponse.Json(200, new JsonObject
                {
                    ["status"] = "valid",
                    ["next"] = "POST /auth/password-reset/confirm {token,newPassword}",
                });
            })
            .Map("POST", "/auth/password-reset/confirm", async (request, ct) =>
            {
                var accounts = service();
                await accounts.CheckSourceAsync(AbusePolicy.EmailLink, request, ct).ConfigureAwait(false);
                var reset = Validation.ParsePasswordReset(JsonBody.Parse(request));
                await accounts.ConfirmPasswordResetAsync(reset, ct).ConfigureAwait(false);
                return ApiResponse.NoContent();
            })
            .Map("POST", "/auth/logout", async (request, ct) =>
            {
                var accounts = service();
                var claims = await accounts.BearerClaimsAsync(request.Header("Authorization"), request.Method, ct).ConfigureAwait(false);
                var token = Validation.ParseRefreshToken(JsonBody.Parse(request));
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
                var change = Validation.ParsePasswordChange(JsonBody.Parse(request));
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
                JsonBody.RequireJsonContentType(request.Header("Content-Type"), request.Body);
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

    public const string VerificationSent = "if the address can receive mail, a message with a link is on its way";
    public const string ResetSent = "if an account uses this address, a message with a reset link is on its way";

    /// <summary>Answers without touching AWS, so it proves the function runs.</summary>
    public static ApiResponse Health() =>
        ApiResponse.Json(200, new JsonObject { ["status"] = "ok", ["service"] = "account", ["runtime"] = Runtime });

    private static async Task<ApiResponse> VerifyEmailAsync(AccountService accounts, ApiRequest request, bool fromQuery, CancellationToken ct)
    {
        await accounts.CheckSourceAsync(AbusePolicy.EmailLink, request, ct).ConfigureAwait(false);
        var token = fromQuery ? Validation.ParseLinkToken(request) : Validation.ParseBodyToken(JsonBody.Parse(request));
        await accounts.VerifyEmailAsync(token, ct).ConfigureAwait(false);
        return ApiResponse.Json(200, new JsonObject { ["status"] = "verified" });
    }

    private static ApiResponse Tokens(TokenPair pair) => ApiResponse.Json(200, new JsonObject
    {
        ["accessToken"] = pair.AccessToken,
        ["refreshToken"] = pair.RefreshToken,
        ["tokenType"] = "Bearer",
        ["expiresIn"] = pair.ExpiresIn,
    });
}
