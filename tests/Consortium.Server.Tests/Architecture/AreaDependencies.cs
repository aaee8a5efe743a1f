using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using Consortium.Server.Hosting;

namespace Consortium.Server.Tests.Architecture;

/// <summary>One type of an area referring to a type of an area it may not depend on.</summary>
public sealed record AreaViolation(string From, string FromArea, string To, string ToArea)
{
    public override string ToString() => $"{From} ({FromArea}) -> {To} ({ToArea})";
}

/// <summary>
/// The arrows of docs/architecture.md, checked over compiled code: every type an area's types mention in signatures,
/// fields, attributes, local variables and method bodies (the IL's type, method and field tokens, closures and async
/// state machines included, since they are nested in the type that wrote them). A namespace's area is the segment after
/// the root namespace. Feature areas may use shared rooms and, of another feature area, only types marked
/// <see cref="AnnouncedAttribute"/>; shared rooms may use each other and no feature area. Composition roots (the global
/// namespace's Program, Demo seeding, Web hosting) wire everything and are not checked.
/// </summary>
public static class AreaDependencies
{
    public static readonly IReadOnlySet<string> FeatureAreas = new HashSet<string>(StringComparer.Ordinal)
        { "Investigations", "Records", "Annotations", "Notifications", "Sync", "Publication", "Webhooks" };

    public static readonly IReadOnlySet<string> SharedRooms = new HashSet<string>(StringComparer.Ordinal)
        { "Storage", "LiveUpdates", "Identity", "Audit", "Access", "Hosting" };

    public static readonly IReadOnlySet<string> CompositionRoots = new HashSet<string>(StringComparer.Ordinal) { "Demo", "Web" };

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    public static List<AreaViolation> Check(Assembly assembly, string rootNamespace)
    {
        var violations = new HashSet<AreaViolation>();
        foreach (var type in TypesOf(assembly))
        {
            var from = AreaOf(type.Namespace, rootNamespace);
            if (from is null || CompositionRoots.Contains(from))
            {
                continue;
            }
            foreach (var used in References(type).Where(t => t.Assembly == assembly))
            {
                var to = AreaOf(used.Namespace, rootNamespace);
                if (to is null || to == from || Allowed(from, to, used))
                {
                    continue;
                }
                violations.Add(new AreaViolation(Outermost(type).FullName!, from, Outermost(used).FullName!, to));
            }
        }
        return violations.OrderBy(v => v.From, StringComparer.Ordinal).ThenBy(v => v.To, StringComparer.Ordinal).ToList();
    }

    /// <summary>Unknown areas are violations both ways: a new folder must be listed here (and in docs/architecture.md) first.</summary>
    private static bool Allowed(string from, string to, Type used)
    {
        if (SharedRooms.Contains(from))
        {
            return SharedRooms.Contains(to);
        }
        if (FeatureAreas.Contains(from))
        {
            return SharedRooms.Contains(to) || (FeatureAreas.Contains(to) && Outermost(used).IsDefined(typeof(AnnouncedAttribute), inherit: false));
        }
        return false;
    }

    private static string? AreaOf(string? ns, string root)
    {
        if (ns is null || !ns.StartsWith(root + ".", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = ns[(root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type;
    }

    private static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    private static HashSet<Type> References(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            while (t is not null && (t.HasElementType))
            {
                t = t.GetElementType();
            }
            if (t is null || t.IsGenericParameter || !found.Add(t))
            {
                return;
            }
            if (t.IsConstructedGenericType)
            {
                found.Add(t.GetGenericTypeDefinition());
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }
        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes)
            {
                Add(attribute.AttributeType);
                foreach (var argument in attribute.ConstructorArguments.Concat(attribute.NamedArguments.Select(n => n.TypedValue)))
                {
                    Add(argument.Value as Type);
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }
        AddAttributes(type.GetCustomAttributesData());
        foreach (var field in type.GetFields(Declared))
        {
            Add(field.FieldType);
            AddAttributes(field.GetCustomAttributesData());
        }
        foreach (var property in type.GetProperties(Declared))
        {
            Add(property.PropertyType);
            AddAttributes(property.GetCustomAttributesData());
        }
        foreach (var e in type.GetEvents(Declared))
        {
            Add(e.EventHandlerType);
        }
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            AddAttributes(method.GetCustomAttributesData());
            if (method is MethodInfo m)
            {
                Add(m.ReturnType);
                foreach (var g in m.IsGenericMethodDefinition ? m.GetGenericArguments() : [])
                {
                    foreach (var constraint in g.GetGenericParameterConstraints())
                    {
                        Add(constraint);
                    }
                }
            }
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }
            var body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }
            foreach (var local in body.LocalVariables)
            {
                Add(local.LocalType);
            }
            foreach (var token in Tokens(body.GetILAsByteArray() ?? []))
            {
                MemberInfo? member;
                try
                {
                    member = type.Module.ResolveMember(token, type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (Exception e) when (e is ArgumentException or TypeLoadException or BadImageFormatException or FileNotFoundException or MissingMemberException)
                {
                    continue;
                }
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                    case MethodBase mb:
                        Add(mb.DeclaringType);
                        foreach (var g in mb.IsGenericMethod ? mb.GetGenericArguments() : [])
                        {
                            Add(g);
                        }
                        if (mb is MethodInfo mi)
                        {
                            Add(mi.ReturnType);
                        }
                        foreach (var parameter in mb.GetParameters())
                        {
                            Add(parameter.ParameterType);
                        }
                        break;
                }
            }
        }
        return found;
    }

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static AreaDependencies()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            if (value < 0x100)
            {
                OneByte[value] = op;
            }
            else if ((value & 0xff00) == 0xfe00)
            {
                TwoByte[value & 0xff] = op;
            }
        }
    }

    /// <summary>The metadata tokens a method body names: the operands of its type, method, field and ldtoken instructions.</summary>
    private static List<int> Tokens(byte[] il)
    {
        var tokens = new List<int>();
        var i = 0;
        while (i < il.Length)
        {
            var op = il[i] == 0xfe ? TwoByte[il[++i]] : OneByte[il[i]];
            i++;
            switch (op.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    tokens.Add(BitConverter.ToInt32(il, i));
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR.
                    i += 4;
                    break;
            }
        }
        return tokens;
    }
}
