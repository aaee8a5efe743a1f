using Consortium.Client;
using Consortium.Server.Access;
using Consortium.Server.Hosting;

namespace Consortium.Server.Annotations;

/// <summary>Who reads an annotation: the allowed next verification states in its view depend on it.</summary>
[Announced]
public sealed record AnnotationReader(string UserId, InvestigationRole Role);

/// <summary>
/// The verification state machine: unverified → identified → consent-obtained → forensics-submitted →
/// infected | attempted | inconclusive | no-evidence → peer-reviewed. Only analysts (and coordinators) move it past
/// consent-obtained, and a peer review is another analyst's than the one who recorded the result. Clients read the
/// outcome in <see cref="VerificationView.AllowedNextStates"/> rather than copying these rules.
/// </summary>
public static class VerificationRules
{
    /// <summary>The states reachable in one step from <paramref name="state"/>.</summary>
    public static IReadOnlyList<string> Next(string state) => state switch
    {
        VerificationStates.Unverified => [VerificationStates.Identified],
        VerificationStates.Identified => [VerificationStates.ConsentObtained],
        VerificationStates.ConsentObtained => [VerificationStates.ForensicsSubmitted],
        VerificationStates.ForensicsSubmitted => [VerificationStates.Infected, VerificationStates.Attempted, VerificationStates.Inconclusive, VerificationStates.NoEvidence],
        VerificationStates.Infected or VerificationStates.Attempted or VerificationStates.Inconclusive or VerificationStates.NoEvidence => [VerificationStates.PeerReviewed],
        _ => [],
    };

    /// <summary>Steps past consent are forensic: analysts' (and coordinators') only.</summary>
    public static bool IsForensic(string state) => state is not (VerificationStates.Identified or VerificationStates.ConsentObtained);

    /// <summary>Whether <paramref name="role"/> may take a step to <paramref name="state"/>.</summary>
    public static bool MayTake(string state, InvestigationRole role) => !IsForensic(state) || Permissions.CanVerify(role);

    /// <summary>Whether <paramref name="userId"/> may peer-review: not the analyst who recorded the result.</summary>
    public static bool MayPeerReview(StoredVerification verification, string userId) => verification.AnalystUserId != userId;

    /// <summary>The next states <paramref name="reader"/> may move a verification to (none when retracted or for those who cannot annotate).</summary>
    public static IReadOnlyList<string> AllowedNext(StoredVerification verification, bool retracted, AnnotationReader reader) =>
        retracted || !Permissions.CanAnnotate(reader.Role)
            ? []
            : Next(verification.State)
                .Where(s => MayTake(s, reader.Role) && (s != VerificationStates.PeerReviewed || MayPeerReview(verification, reader.UserId)))
                .ToArray();
}
