using Consortium.Server.Access;
using Consortium.Server.Annotations;
using Consortium.Server.Audit;
using Consortium.Server.Demo;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Investigations;
using Consortium.Server.LiveUpdates;
using Consortium.Server.Notifications;
using Consortium.Server.Publication;
using Consortium.Server.Records;
using Consortium.Server.Storage;
using Consortium.Server.Sync;
using Consortium.Server.Web;
using Consortium.Server.Webhooks;

FanOutBuffers.Reserve();
var builder = WebApplication.CreateBuilder(args);

builder.AddConsortiumStorage();
builder.AddConsortiumIdentity();
builder.AddConsortiumApi();
builder.AddAccess();
builder.AddLiveUpdates();
builder.AddInvestigations();
builder.AddRecords();
builder.AddAnnotations();
builder.AddNotifications();
builder.AddEvidenceFiles();
builder.AddChangesFeed();
builder.AddRecordImports();
builder.AddConsortiumAudit();
builder.AddReadBudget();
builder.AddPublication();
builder.AddWebhooks();
builder.AddDemoConsortium();

var app = builder.Build();

app.UseConsortiumApi();
app.UseServerPageLanguages();

app.MapHealth();
app.MapApiReference();
app.MapConsortiumIdentity();
app.MapIdentity();
app.MapOutletAdministration();
app.MapOutlets();
app.MapInvestigations();
app.MapMembers();
app.MapRecords();
app.MapAccessRestrictions();
app.MapAnnotations();
app.MapEvidenceFiles();
app.MapChangesFeed();
app.MapInbox();
app.MapAudit();
app.MapPublication();
app.MapWebhooks();
app.MapLiveUpdates();
app.MapWebApp();

app.Run();

/// <summary>Entry point; public so the test host can start the real application.</summary>
public partial class Program;
