using Consortium.Server.Access;
using Consortium.Server.Identity;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consortium.Server.Investigations;

public static class OutletEndpoints
{
    public static IEndpointRouteBuilder MapOutlets(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/outlets").WithTags("Investigations").RequireAuthorization()
            .MapGet("/", ListOutlets);
        return app;
    }

    /// <summary>
    /// The caller's outlet and the outlets it shares an investigation with. Not every outlet on the platform:
    /// which newsrooms use Consortium, and with whom, is itself sensitive.
    /// </summary>
    private static async Task<Ok<List<Outlet>>> ListOutlets(HttpContext http, IQuerySession session, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        var investigations = await session.Query<Investigation>().Where(i => i.MemberOutletIds.Contains(user.OutletId)).ToListAsync(cancellationToken);
        var ids = investigations.SelectMany(i => i.MemberOutletIds).Append(user.OutletId).Distinct().ToArray();
        var outlets = await session.LoadManyAsync<Outlet>(cancellationToken, ids);
        return TypedResults.Ok(outlets.OrderBy(o => o.Name).ToList());
    }
}
