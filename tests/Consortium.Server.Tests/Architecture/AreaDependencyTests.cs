namespace Consortium.Server.Tests.Architecture;

/// <summary>
/// The rule of docs/architecture.md and decision 0023: feature areas depend on shared rooms and on nothing of each other
/// but announced types; shared rooms depend on no feature area. Composition roots (Program, Demo, Web) are exempt.
/// </summary>
public sealed class AreaDependencyTests
{
    [Fact]
    public void No_area_of_the_server_references_an_area_it_may_not_depend_on()
    {
        var violations = AreaDependencies.Check(typeof(Consortium.Server.Hosting.AnnouncedAttribute).Assembly, "Consortium.Server");

        Assert.True(violations.Count == 0, "Arrows the architecture forbids:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_check_reports_cross_area_references_in_signatures_fields_bodies_closures_and_typeof()
    {
        var violations = AreaDependencies.Check(typeof(AreaDependencyTests).Assembly, "Consortium.Server.Tests.Architecture.Bad")
            .Select(v => $"{v.From[(Root.Length + 1)..]} -> {v.To[(Root.Length + 1)..]}")
            .ToList();

        Assert.Equal(
        [
            "Records.BuildsNote -> Annotations.Note",
            "Records.CapturesNote -> Annotations.Note",
            "Records.HoldsNote -> Annotations.Note",
            "Records.ReturnsNote -> Annotations.Note",
            "Storage.KnowsAnnouncedEvent -> Annotations.NoteWritten",
            "Storage.KnowsRecords -> Records.HoldsNote",
        ], violations);
    }

    private const string Root = "Consortium.Server.Tests.Architecture.Bad";
}
