// Deliberately wrong arrows, for AreaDependencyTests to prove that the check sees them. Never used at run time.
#pragma warning disable CA1812, CA1822, CA1051, CA1002

namespace Consortium.Server.Tests.Architecture.Bad.Annotations
{
    public sealed record Note(Guid Id);

    [Consortium.Server.Hosting.Announced]
    public sealed record NoteWritten(Guid Id);
}

namespace Consortium.Server.Tests.Architecture.Bad.Records
{
    using Consortium.Server.Tests.Architecture.Bad.Annotations;

    // Wrong: only a method body names the other area.
    public static class BuildsNote
    {
        public static object Build() => new Note(Guid.Empty);
    }

    // Wrong: a field.
    public sealed class HoldsNote
    {
        public Note? Held;
    }

    // Wrong: a signature.
    public static class ReturnsNote
    {
        public static Note? Nothing() => null;
    }

    // Wrong: inside a lambda (a compiler-generated closure nested in this type).
    public static class CapturesNote
    {
        public static Func<Guid> Later(Guid id) => () => new Note(id).Id;
    }

    // Allowed: an announced event of another feature area, and a shared room.
    public static class ReadsAnnouncedEvent
    {
        public static Guid Of(NoteWritten written) => Storage.Clock.Now(written.Id);
    }
}

namespace Consortium.Server.Tests.Architecture.Bad.Storage
{
    // Wrong: a shared room naming a feature area, through typeof.
    public static class KnowsRecords
    {
        public static Type Which() => typeof(Records.HoldsNote);
    }

    // Wrong: announced or not, a shared room knows no feature area.
    public static class KnowsAnnouncedEvent
    {
        public static Guid Of(Annotations.NoteWritten written) => written.Id;
    }

    // Allowed: shared rooms use each other.
    public static class Clock
    {
        public static Guid Now(Guid id) => Access.Rule.Same(id);
    }
}

namespace Consortium.Server.Tests.Architecture.Bad.Access
{
    public static class Rule
    {
        public static Guid Same(Guid id) => id;
    }
}
