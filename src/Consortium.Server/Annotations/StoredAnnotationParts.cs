using Consortium.Client;
using Consortium.Server.Hosting;

namespace Consortium.Server.Annotations;

// What events and the annotation document store, apart from the wire views: the JSON shape (camelCase names) is the
// one the views had, so streams written before these types read as they were.

/// <summary>Who is behind a record, as an annotation stores it (<see cref="IdentificationView"/> on the wire).</summary>
[Announced]
public sealed record StoredIdentification(string Person, string? Role, string IdentifiedByOutletId, string Confidence, IReadOnlyList<string> Sources)
{
    /// <summary>What a request asked for; without an outlet, the identification is <paramref name="defaultOutletId"/>'s.</summary>
    public static StoredIdentification From(IdentificationView view, string defaultOutletId) =>
        new(view.Person, view.Role, string.IsNullOrWhiteSpace(view.IdentifiedByOutletId) ? defaultOutletId : view.IdentifiedByOutletId, view.Confidence, view.Sources ?? []);

    public IdentificationView ToView() => new(Person, Role, IdentifiedByOutletId, Confidence, Sources);
}

/// <summary>A piece of evidence cited by a verification (<see cref="EvidenceView"/> on the wire).</summary>
[Announced]
public sealed record StoredEvidence(string Name, string Sha256, long Size, string? Description = null, bool Stored = false)
{
    public EvidenceView ToView() => new(Name, Sha256, Size, Description, Stored);
}

/// <summary>The state of a verification and who moved it there with what (<see cref="VerificationView"/> on the wire).</summary>
[Announced]
public sealed record StoredVerification(
    string State,
    string? AnalystUserId = null,
    string? Tool = null,
    string? IndicatorSetVersion = null,
    IReadOnlyList<StoredEvidence>? Evidence = null)
{
    /// <summary>The view, with the machine's next states and, for a known reader, the ones that reader may choose.</summary>
    public VerificationView ToView(IReadOnlyList<string>? allowedNextStates) =>
        new(State, AnalystUserId, Tool, IndicatorSetVersion, Evidence?.Select(e => e.ToView()).ToArray(), VerificationRules.Next(State), allowedNextStates);
}
