namespace Consortium.Server.Identity;

/// <summary>A newsroom or partner organisation. Its id is a short slug ("el-faro") that people can read in logs and audit entries.</summary>
public sealed record Outlet(string Id, string Name, string Country, string TimeZone);
