using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Consortium.Server.Hosting;

/// <summary>Problem details (RFC 7807) shared by every area, so the same failure reads the same everywhere.</summary>
public static class Problems
{
    /// <summary>
    /// The answer for objects that do not exist and for objects the caller may not see alike:
    /// a different answer would tell an outsider that a hidden object exists.
    /// </summary>
    public static NotFound<ProblemDetails> NotFound(string what) => TypedResults.NotFound(new ProblemDetails
    {
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        Title = $"No such {what}",
        Status = StatusCodes.Status404NotFound,
        Detail = $"The {what} does not exist, or it is not shared with your outlet.",
    });

    /// <summary>The caller can see the object but their role does not allow the action.</summary>
    public static ProblemHttpResult Forbidden(string detail) => Forbidden("Not allowed for your role", detail);

    /// <summary>For callers who may know the object exists but may not do this with it; never for objects hidden from them (those are 404).</summary>
    public static ProblemHttpResult Forbidden(string title, string detail) => TypedResults.Problem(new ProblemDetails
    {
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        Title = title,
        Status = StatusCodes.Status403Forbidden,
        Detail = detail,
    });

    public static Conflict<ProblemDetails> Conflict(string title, string detail) => TypedResults.Conflict(new ProblemDetails
    {
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        Title = title,
        Status = StatusCodes.Status409Conflict,
        Detail = detail,
    });

    public static BadRequest<ProblemDetails> BadRequest(string title, string detail) => TypedResults.BadRequest(new ProblemDetails
    {
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        Title = title,
        Status = StatusCodes.Status400BadRequest,
        Detail = detail,
    });
}
