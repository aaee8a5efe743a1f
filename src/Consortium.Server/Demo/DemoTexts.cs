namespace Consortium.Server.Demo;

/// <summary>What the demo's fictional reporters write. Invented people and places only; nothing here is about anyone real.</summary>
internal static class DemoTexts
{
    public static readonly string[] ConsortiumNotes =
    [
        "Number appears twice in the selector logs; checking carrier records.",
        "Carrier confirms the line was active during the selection window.",
        "Selected within hours of the regional election results, like the three numbers above it.",
        "Same client selected this number again 40 days later. Worth a timeline.",
        "Reverse lookup points to a press office switchboard, not a person. Low priority?",
        "Our source says the owner changed phones in spring; ask for the old handset.",
        "The owner is a freelance photographer who worked with two of our partners.",
        "Matches a contact in the leaked address book of the ministry (see story folder).",
        "Owner agreed to talk off the record; consent for forensics still pending.",
        "Prefix belongs to a small regional operator: their roaming logs could date the selection.",
        "Possibly a family member of the lawyer identified two rows below.",
        "Could be a recycled number: the previous subscriber is the more likely target.",
    ];

    public static readonly string[] OutletNotes =
    [
        "Internal: our lawyer wants this one held until the reply letters are out.",
        "Desk note: do not contact the owner before Thursday's editorial meeting.",
        "Our stringer knows the owner personally; keep this in-house for now.",
        "Cross-checked with our archive: the owner wrote for us in 2018.",
    ];

    public static readonly string[] PrivateNotes =
    [
        "Remember to call back the source at 9 before the desk meeting.",
        "Draft question list for the interview is in my notebook, page 14.",
        "Hunch: same client as the cluster in row 212. Check before saying anything.",
    ];

    public static readonly string[] PartnerNotes =
    [
        "Sharing with you two only: the owner is a source of ours as well.",
        "Between our outlets: the embassy contact confirmed the dates.",
    ];

    public static readonly string[] Replies =
    [
        "Thanks. I can take the carrier request, we have a contact there.",
        "Agreed. Let's not publish the name before consent.",
        "We found the same pattern on our side of the list.",
        "Can the lab look at this one before the embargo?",
        "Done: added the identification below.",
        "Careful, the number was ported in 2019.",
    ];

    public static readonly string[] Tags = ["journalist", "activist", "lawyer", "diplomat", "needs-consent", "priority", "duplicate", "family-member", "official"];

    public static readonly (string Person, string Role)[] Identifications =
    [
        ("Marta Ilescu", "Investigative reporter"), ("Jon Aberly", "Human-rights lawyer"), ("Sofia Dreyfus-Kane", "Opposition MP's chief of staff"),
        ("Idris Falou", "Trade-union organiser"), ("Helena Vasko", "Freelance photographer"), ("Tomasz Reyl", "Anti-corruption prosecutor"),
        ("Amal Sarouf", "Student activist"), ("Pieter Oland", "Diplomat, economic attaché"), ("Grace Mwendo", "Editor of a local weekly"),
        ("Luis Ortegal", "Businessman, telecoms sector"), ("Nora Helgesen", "NGO researcher"), ("Karim Dahbi", "Journalist's brother"),
    ];

    public static readonly string[] Confidences = ["low", "medium", "high"];

    public static readonly string[] Retractions = ["Wrong row: the note belonged to the number above.", "Source withdrew the claim."];

    /// <summary>What the demo partner writes as it works through the list.</summary>
    public static readonly string[] PartnerLiveNotes =
    [
        "Just called the carrier: the number was active at the time of selection.",
        "Our archive has this owner as a contributor in 2020; checking further.",
        "Second source confirms the identification above.",
        "The selection lines up with a trip abroad by the owner; asking for travel dates.",
        "Owner's lawyer asks for the forensic report before any publication.",
        "Same selector as the cluster we discussed this morning.",
    ];

    /// <summary>The demo's evidence files: tiny forensic summaries the lab uploads, cited by results.</summary>
    public static readonly (string Name, string Content)[] EvidenceFiles =
    [
        ("mvt-report-phone-a.json", """{"tool":"mvt-ios 2.5","indicators":"nightjar-2026-11","detections":[{"process":"bh_relay","first_seen":"2021-05-02"}]}"""),
        ("mvt-report-phone-b.json", """{"tool":"mvt-android 2.5","indicators":"nightjar-2026-11","detections":[]}"""),
        ("sysdiagnose-summary.txt", "Fictional demo file. Suspicious process launches on 2021-03-14 and 2021-04-02; see the lab's method note."),
    ];
}
