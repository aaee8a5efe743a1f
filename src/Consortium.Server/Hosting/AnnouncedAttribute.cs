namespace Consortium.Server.Hosting;

/// <summary>
/// Marks a type as part of its feature area's announced surface: the events it appends and the read model it publishes,
/// and the hook through which it tells others of a change before commit. Only these may be referenced by another
/// feature area (docs/decisions/0023-areas-and-arrows.md); shared rooms reference no feature area at all.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface | AttributeTargets.Struct | AttributeTargets.Enum, Inherited = false)]
public sealed class AnnouncedAttribute : Attribute;
