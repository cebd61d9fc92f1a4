namespace PurposePath.Account.Http;

/// <summary>Handles one matched request.</summary>
public delegate Task<ApiResponse> RouteHandler(ApiRequest request, CancellationToken cancellationToken);

/// <summary>A route the service serves: method and exact path, as declared in the template.</summary>
public readonly record struct Route(string Method, string Path);

/// <summary>
/// Exact method + path routing (the account API has no path parameters). An unknown path
/// answers 404 and a known path with another method 405 with <c>Allow</c>, in the error
/// shape of the Python services.
/// </summary>
public sealed class Router
{
    private readonly Dictionary<string, Dictionary<string, RouteHandler>> _byPath = new(StringComparer.Ordinal);
    private readonly List<Route> _routes = [];

    /// <summary>Every route in registration order: what the template must declare.</summary>
    public IReadOnlyList<Route> Routes => _routes;

    public Router Map(string method, string path, RouteHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var verb = method.ToUpperInvariant();
        if (!_byPath.TryGetValue(path, out var byMethod))
        {
            byMethod = new Dictionary<string, RouteHandler>(StringComparer.Ordinal);
            _byPath[path] = byMethod;
        }

        if (!byMethod.TryAdd(verb, handler))
        {
            throw new InvalidOperationException($"route {verb} {path} is mapped twice; remove one of the registrations");
        }

        _routes.Add(new Route(verb, path));
        return this;
    }

    /// <summary>
    /// Runs the matching handler. <see cref="ApiException"/> becomes its JSON error; any
    /// other exception propagates to the caller, which logs it and answers 500.
    /// </summary>
    public async Task<ApiResponse> DispatchAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_byPath.TryGetValue(request.Path, out var byMethod))
        {
            return ApiResponse.Error(404, "not_found", $"no route for {request.Method} {request.Path}");
        }

        if (!byMethod.TryGetValue(request.Method, out var handler))
        {
            var allowed = string.Join(", ", byMethod.Keys.Order(StringComparer.Ordinal));
            return ApiResponse.Error(
                405,
                "method_not_allowed",
                $"{request.Method} is not allowed here; use {allowed}",
                new Dictionary<string, string> { ["Allow"] = allowed });
        }

        try
        {
            return await handler(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException error)
        {
            return ApiResponse.Error(error);
        }
    }
}
