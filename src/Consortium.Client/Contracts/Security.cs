namespace Consortium.Client;

/// <summary>Audit actions about refusals and guards (values of <see cref="AuditEntryView.Action"/>, beside <see cref="AuditActions"/>).</summary>
public static class SecurityAuditActions
{
    /// <summary>A request about an object was refused (403 or 404); the target names the object, the detail the route, never content.</summary>
    public const string AccessDenied = "access.denied";

    /// <summary>A person read more records in an hour than the bulk-read budget allows; the reads beyond it were refused (429).</summary>
    public const string ReadBudgetExceeded = "records.read-budget-exceeded";
}

/// <summary>Sent to an investigation's coordinators (hub method <c>ReadBudgetExceeded</c>) when a member exhausts the bulk-read budget.</summary>
/// <param name="InvestigationId">The investigation whose records were being read.</param>
/// <param name="UserId">Who read.</param>
/// <param name="DisplayName">Their name.</param>
/// <param name="OutletId">Their outlet.</param>
/// <param name="RecordsRead">Records read in the hour up to now.</param>
/// <param name="Budget">Records allowed per hour.</param>
/// <param name="At">When the budget ran out (UTC).</param>
public sealed record ReadBudgetAlert(Guid InvestigationId, string UserId, string DisplayName, string OutletId, long RecordsRead, long Budget, DateTimeOffset At);
