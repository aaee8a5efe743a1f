namespace Consortium.Client;

/// <summary>Audit actions about refusals and guards (values of <see cref="AuditEntryView.Action"/>, beside <see cref="AuditActions"/>).</summary>
public static class SecurityAuditActions
{
    /// <summary>A request about an object was refused (403 or 404); the target names the object, the detail the route, never content.</summary>
    public const string AccessDenied = "access.denied";

    /// <summary>A person read more records in an hour than the bulk-read budget allows; the reads beyond it were refused (429).</summary>
    public const string ReadBudgetExceeded = "records.read-budget-exceeded";
}

/// <summary>Values of <see cref="NotificationView.Reason"/> beside <see cref="NotificationReasons"/>.</summary>
public static class SecurityNotificationReasons
{
    /// <summary>
    /// A member of an investigation the recipient coordinates exhausted the bulk-read budget (live only: the
    /// notification names the investigation and the person, and no annotation or record).
    /// </summary>
    public const string ReadBudget = "read-budget";
}
