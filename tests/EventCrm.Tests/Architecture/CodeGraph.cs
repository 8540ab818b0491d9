using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace EventCrm.Tests.Architecture;

/// <summary>
/// Which of the application's types refer to which, read from the compiled assembly (signatures, attributes and
/// method bodies), and the source file each type is written in (from the portable PDB beside it). Compiler-made
/// types (closures, state machines, generated handlers) count for the type they were made from.
/// </summary>
public sealed class CodeGraph
{
    public const string Root = "EventCrm";

    /// <summary>One node per source file of the application; an edge when a type in one file names a type in another.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Files { get; }

    /// <summary>The folder (context) of each file: the second part of its namespace, or "Program".</summary>
    public IReadOnlyDictionary<string, string> FolderOf { get; }

    /// <summary>The source file of each of the application's top-level types, by full name.</summary>
    public IReadOnlyDictionary<string, string> FileOfType { get; private init; } = new Dictionary<string, string>();

    /// <summary>Every reference from a type to a type in another file, for messages that say what to move.</summary>
    public IReadOnlyList<(string FromFile, string FromType, string ToFile, string ToType)> References { get; }

    private CodeGraph(Dictionary<string, HashSet<string>> files, Dictionary<string, string> folders,
        List<(string, string, string, string)> references)
    {
        Files = files.ToDictionary(x => x.Key, x => (IReadOnlySet<string>)x.Value);
        FolderOf = folders;
        References = references;
    }

    public static CodeGraph Of(System.Reflection.Assembly assembly)
    {
        using var module = ModuleDefinition.ReadModule(assembly.Location, new ReaderParameters { ReadSymbols = true });
        var sourceRoot = SourceRoot(module);

        var owned = module.GetTypes().Where(t => t.Name != "<Module>" && !IsGenerated(t)).ToList();
        var fileOf = new Dictionary<TypeDefinition, string>();
        foreach (var type in owned.Where(t => Outermost(t) == t))
            fileOf[type] = FileOf(type, sourceRoot);

        var files = new Dictionary<string, HashSet<string>>();
        var folders = new Dictionary<string, string>();
        var references = new List<(string, string, string, string)>();
        foreach (var (type, file) in fileOf)
        {
            files.TryAdd(file, []);
            folders[file] = Folder(type.Namespace);
        }

        foreach (var type in module.GetTypes().Where(t => t.Name != "<Module>"))
        {
            var from = Outermost(type);
            if (!fileOf.TryGetValue(from, out var fromFile)) continue;
            foreach (var referenced in Referenced(type))
            {
                var definition = referenced.Module == module ? Resolve(referenced) : null;
                if (definition is null) continue;
                var target = Outermost(definition);
                if (!fileOf.TryGetValue(target, out var toFile) || toFile == fromFile) continue;
                if (files[fromFile].Add(toFile))
                    references.Add((fromFile, from.FullName, toFile, target.FullName));
            }
        }
        return new CodeGraph(files, folders, references) { FileOfType = fileOf.ToDictionary(x => x.Key.FullName, x => x.Value) };
    }

    public static string Folder(string ns)
    {
        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == Root ? parts[1] : "Program";
    }

    /// <summary>Cycles among files: every strongly connected set of more than one file.</summary>
    public IReadOnlyList<IReadOnlyList<string>> FileCycles() => Cycles(Files);

    /// <summary>The folder graph: an edge when a file in one folder names a file in another.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Folders()
    {
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var (file, targets) in Files)
        {
            var from = FolderOf[file];
            graph.TryAdd(from, []);
            foreach (var target in targets)
                if (FolderOf[target] != from) graph[from].Add(FolderOf[target]);
        }
        return graph.ToDictionary(x => x.Key, x => (IReadOnlySet<string>)x.Value);
    }

    public static IReadOnlyList<IReadOnlyList<string>> Cycles(IReadOnlyDictionary<string, IReadOnlySet<string>> graph)
    {
        // Tarjan's strongly connected components.
        var index = 0;
        var indices = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var found = new List<IReadOnlyList<string>>();

        void Visit(string node)
        {
            indices[node] = low[node] = index++;
            stack.Push(node);
            onStack.Add(node);
            foreach (var next in graph.TryGetValue(node, out var targets) ? targets : new HashSet<string>())
            {
                if (!indices.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                    low[node] = Math.Min(low[node], indices[next]);
            }
            if (low[node] != indices[node]) return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            } while (member != node);
            if (component.Count > 1) found.Add(component.Order(StringComparer.Ordinal).ToList());
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            if (!indices.ContainsKey(node)) Visit(node);
        return found;
    }

    private static bool IsGenerated(TypeDefinition type) =>
        // Wolverine's and Marten's generated code, and the compiler's own, belong to no source file of ours.
        !type.Namespace.StartsWith(Root, StringComparison.Ordinal) && type.DeclaringType is null && type.Name != "Program";

    private static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    private static TypeDefinition? Resolve(TypeReference reference)
    {
        try { return reference.Resolve(); }
        catch (AssemblyResolutionException) { return null; }
    }

    private static string SourceRoot(ModuleDefinition module)
    {
        var documents = module.GetTypes().SelectMany(t => t.Methods)
            .Where(m => m.DebugInformation.HasSequencePoints)
            .Select(m => m.DebugInformation.SequencePoints[0].Document.Url)
            .Where(url => url.EndsWith("Program.cs", StringComparison.Ordinal));
        var program = documents.FirstOrDefault() ?? throw new InvalidOperationException("No symbols: build with portable PDBs.");
        return Path.GetDirectoryName(program)! + Path.DirectorySeparatorChar;
    }

    private static string FileOf(TypeDefinition type, string sourceRoot)
    {
        var urls = AllTypes(type).SelectMany(t => t.Methods)
            .Where(m => m.DebugInformation.HasSequencePoints)
            .SelectMany(m => m.DebugInformation.SequencePoints.Select(p => p.Document.Url))
            .Where(url => url.StartsWith(sourceRoot, StringComparison.Ordinal))
            .GroupBy(url => url)
            .OrderByDescending(g => g.Count())
            .Select(g => g.Key)
            .ToList();
        if (urls.Count > 0) return urls[0][sourceRoot.Length..].Replace('\\', '/');

        // Enums, interfaces and attribute-only types have no code: find the file that declares them.
        var name = StripArity(type.Name);
        var declaration = new System.Text.RegularExpressions.Regex($@"\b(enum|interface|class|record|struct)\s+{name}\b");
        var declaring = Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .FirstOrDefault(f => File.ReadAllText(f).Contains($"namespace {type.Namespace};") && declaration.IsMatch(File.ReadAllText(f)));
        return declaring is not null
            ? declaring[sourceRoot.Length..].Replace('\\', '/')
            : throw new InvalidOperationException($"No source file declares {type.FullName}.");
    }

    private static string StripArity(string name) => name.Split('`')[0];

    private static IEnumerable<TypeDefinition> AllTypes(TypeDefinition type) =>
        new[] { type }.Concat(type.NestedTypes.SelectMany(AllTypes));

    private static IEnumerable<TypeReference> Referenced(TypeDefinition type)
    {
        IEnumerable<TypeReference> Expand(TypeReference? reference)
        {
            if (reference is null) yield break;
            switch (reference)
            {
                case GenericInstanceType generic:
                    foreach (var inner in Expand(generic.ElementType)) yield return inner;
                    foreach (var argument in generic.GenericArguments)
                    foreach (var inner in Expand(argument)) yield return inner;
                    break;
                case TypeSpecification specification:
                    foreach (var inner in Expand(specification.ElementType)) yield return inner;
                    break;
                case GenericParameter:
                    break;
                default:
                    yield return reference;
                    break;
            }
        }

        IEnumerable<TypeReference> FromAttributes(ICustomAttributeProvider provider) =>
            provider.HasCustomAttributes
                ? provider.CustomAttributes.SelectMany(a =>
                    Expand(a.AttributeType).Concat(a.ConstructorArguments.Select(x => x.Value).OfType<TypeReference>().SelectMany(Expand)))
                : [];

        var found = new List<TypeReference>();
        found.AddRange(Expand(type.BaseType));
        found.AddRange(type.Interfaces.SelectMany(i => Expand(i.InterfaceType)));
        found.AddRange(FromAttributes(type));
        foreach (var field in type.Fields)
        {
            found.AddRange(Expand(field.FieldType));
            found.AddRange(FromAttributes(field));
        }
        foreach (var property in type.Properties)
        {
            found.AddRange(Expand(property.PropertyType));
            found.AddRange(FromAttributes(property));
        }
        foreach (var method in type.Methods)
        {
            found.AddRange(Expand(method.ReturnType));
            found.AddRange(FromAttributes(method));
            foreach (var parameter in method.Parameters)
            {
                found.AddRange(Expand(parameter.ParameterType));
                found.AddRange(FromAttributes(parameter));
            }
            if (!method.HasBody) continue;
            found.AddRange(method.Body.Variables.SelectMany(v => Expand(v.VariableType)));
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: found.AddRange(Expand(t)); break;
                    case MethodReference m:
                        found.AddRange(Expand(m.DeclaringType));
                        found.AddRange(Expand(m.ReturnType));
                        found.AddRange(m.Parameters.SelectMany(p => Expand(p.ParameterType)));
                        if (m is GenericInstanceMethod g) found.AddRange(g.GenericArguments.SelectMany(Expand));
                        break;
                    case FieldReference f:
                        found.AddRange(Expand(f.DeclaringType));
                        found.AddRange(Expand(f.FieldType));
                        break;
                }
            }
        }
        return found;
    }
}
