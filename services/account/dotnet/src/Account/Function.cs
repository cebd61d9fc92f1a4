using Amazon.DynamoDBv2;
using Amazon.KeyManagementService;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.Core;
using Amazon.Lambda.Serialization.SystemTextJson;
using Amazon.Runtime;
using Amazon.SecretsManager;
using Amazon.SimpleEmailV2;
using Amazon.SimpleNotificationService;
using Amazon.SimpleSystemsManagement;
using PurposePath.Account.Abuse;
using PurposePath.Account.Accounts;
using PurposePath.Account.Auth;
using PurposePath.Account.Configuration;
using PurposePath.Account.Events;
using PurposePath.Account.Http;
using PurposePath.Account.Mail;
using PurposePath.Account.Redis;
using PurposePath.Account.Sessions;
using PurposePath.Account.Storage;

[assembly: LambdaSerializer(typeof(SourceGeneratorLambdaJsonSerializer<PurposePath.Account.HttpApiJsonContext>))]

namespace PurposePath.Account;

/// <summary>
/// The Lambda entry point (handler <c>Account::PurposePath.Account.Function::HandleAsync</c>).
/// The runtime creates one instance per container; settings, AWS clients and the secret
/// are made on the first request that needs them and reused after.
/// </summary>
public sealed class Function
{
    private readonly Router _router;

    /// <summary>Used by the Lambda runtime: the real stores and clients, from the environment.</summary>
    public Function()
        : this(new Lazy<AccountService>(CreateService))
    {
    }

    /// <summary>Routes over the given service (tests pass one built on in-memory stores).</summary>
    public Function(Func<AccountService> service) => _router = AccountRoutes.Build(service);

    private Function(Lazy<AccountService> service)
        : this(() => service.Value)
    {
    }

    public Task<APIGatewayHttpApiV2ProxyResponse> HandleAsync(APIGatewayHttpApiV2ProxyRequest request, ILambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return DispatchAsync(request, context.RemainingTime, message => context.Logger.LogError(message));
    }

    /// <summary>
    /// The handler without the Lambda context: what tests drive. (A separate name, because
    /// the Lambda runtime refuses an overloaded handler method.)
    /// </summary>
    /// <param name="remainingTime">Time left before the function's timeout.</param>
    /// <param name="logError">Where an unexpected failure is reported (never with body or headers).</param>
    public async Task<APIGatewayHttpApiV2ProxyResponse> DispatchAsync(
        APIGatewayHttpApiV2ProxyRequest request, TimeSpan remainingTime, Action<string> logError)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(logError);
        ApiResponse response;
        try
        {
            // Leave a second to answer before the function's timeout ends the invocation.
            using var deadline = new CancellationTokenSource();
            var budget = remainingTime - TimeSpan.FromSeconds(1);
            if (budget > TimeSpan.Zero)
            {
                deadline.CancelAfter(budget);
            }

            response = await _router.DispatchAsync(ApiRequest.FromHttpApi(request), deadline.Token).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            response = ApiResponse.Error(error);
        }
        catch (Exception error)
        {
            // Method and path only: the body and headers may carry passwords and tokens.
            logError($"unhandled error on {request.RequestContext?.Http?.Method} {request.RawPath}: {error}");
            response = ApiResponse.InternalError();
        }

        return response.ToHttpApi();
    }

    private static AccountService CreateService()
    {
        var settings = Settings.FromEnvironment();
        // Standard retry mode: bounded exponential backoff with jitter, as botocore's "standard".
        var dynamo = new AmazonDynamoDBClient(new AmazonDynamoDBConfig { RetryMode = RequestRetryMode.Standard });
        var secrets = new AmazonSecretsManagerClient(new AmazonSecretsManagerConfig { RetryMode = RequestRetryMode.Standard });
        var kms = new AmazonKeyManagementServiceClient(new AmazonKeyManagementServiceConfig { RetryMode = RequestRetryMode.Standard });
        var ssm = new AmazonSimpleSystemsManagementClient(new AmazonSimpleSystemsManagementConfig { RetryMode = RequestRetryMode.Standard });
        var sns = new AmazonSimpleNotificationServiceClient(new AmazonSimpleNotificationServiceConfig { RetryMode = RequestRetryMode.Standard });
        var ses = new AmazonSimpleEmailServiceV2Client(new AmazonSimpleEmailServiceV2Config { RetryMode = RequestRetryMode.Standard });
        Action<string> warn = message => LambdaLogger.Log($"WARN {message}\n");
        // EMF lines go to stdout unwrapped, where CloudWatch Logs extracts the metric.
        Action<string> emitMetric = line => Console.Out.WriteLine(line);
        var redisUser = new RedisUserSecret(secrets, settings.RedisUserSecretArn);
        var revocations = new RedisRevocationStore(
            new RedisEndpoint(settings.RedisEndpoint, settings.RedisPort, settings.RedisTls),
            redisUser.GetAsync);
        var tokens = new AccessTokenAuthority(
            new SsmKeySetSource(ssm, settings.SigningKeysParameter),
            new KmsSigningKeyService(kms),
            settings.JwtSecretArn is { } jwtSecretArn ? new SecretsManagerJwtSecret(secrets, jwtSecretArn) : null,
            TimeProvider.System);
        return new AccountService(
            new DynamoUserStore(dynamo, settings.UsersTable, settings.TenantsTable),
            new DynamoSessionStore(dynamo, settings.SessionsTable, settings.TokensTable),
            tokens,
            new RevocationCheck(revocations, TimeProvider.System, warn, emitMetric),
            new SnsAccountEvents(sns, settings.AccountEventsTopicArn),
            new PasswordHasher(),
            TimeProvider.System,
            warn,
            new SesMailer(ses, settings.EmailFrom),
            settings.PublicBaseUrl,
            new AbuseLimits(new RedisAttemptStore(revocations), TimeProvider.System, new SecurityEvents(TimeProvider.System, emitMetric), warn));
    }
}
