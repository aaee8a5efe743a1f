using System.Globalization;
using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// The Kubernetes manifests, validated offline (kubectl needs a cluster even for a client-side dry run): every
/// object well formed for its kind, and every name, label, port and path that ties them together pointing at
/// something that exists, here or in the image.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string Folder = "deploy/kubernetes";

    private static readonly Dictionary<string, string> ApiVersions = new()
    {
        ["Namespace"] = "v1", ["ConfigMap"] = "v1", ["Secret"] = "v1", ["Service"] = "v1", ["PersistentVolumeClaim"] = "v1",
        ["Deployment"] = "apps/v1", ["Ingress"] = "networking.k8s.io/v1", ["PodDisruptionBudget"] = "policy/v1",
    };

    private static readonly List<Dictionary<object, object>> Objects = Directory.GetFiles(RepositoryFiles.PathOf(Folder), "*.yaml")
        .Where(f => Path.GetFileName(f) != "kustomization.yaml")
        .SelectMany(f => DeploymentYaml.Documents(Path.GetRelativePath(RepositoryFiles.Root, f))).ToList();

    private static Dictionary<object, object> One(string kind) => Assert.Single(Objects, o => o.Text("kind") == kind);

    private static Dictionary<object, object> Container => (Dictionary<object, object>)Assert.Single(One("Deployment").Map("spec").Map("template").Map("spec").List("containers"));

    [Fact]
    public void Every_object_names_a_known_kind_with_its_api_version_a_name_and_the_namespace()
    {
        Assert.Equal(8, Objects.Count);
        foreach (var o in Objects)
        {
            var kind = o.Text("kind")!;
            Assert.True(ApiVersions.TryGetValue(kind, out var version), $"Unexpected kind {kind}.");
            Assert.Equal(version, o.Text("apiVersion"));
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", o.Map("metadata").Text("name"));
            Assert.Equal("consortium", kind == "Namespace" ? o.Map("metadata").Text("name") : o.Map("metadata").Text("namespace"));
        }
    }

    [Fact]
    public void The_kustomization_lists_every_manifest_but_the_secret_example()
    {
        var kustomization = DeploymentYaml.Documents(Folder + "/kustomization.yaml").Single();
        var listed = kustomization.List("resources").Select(r => r.ToString()!).Order().ToList();
        var files = Directory.GetFiles(RepositoryFiles.PathOf(Folder), "*.yaml").Select(f => Path.GetFileName(f))
            .Where(f => f is not "kustomization.yaml" and not "secret.example.yaml").Order().ToList();
        Assert.Equal(files, listed);
        Assert.Equal("consortium", kustomization.Text("namespace"));
    }

    [Fact]
    public void The_deployment_runs_at_least_two_replicas_that_never_all_go_at_once()
    {
        var spec = One("Deployment").Map("spec");
        var replicas = int.Parse(spec.Text("replicas")!, CultureInfo.InvariantCulture);
        Assert.True(replicas >= 2);
        Assert.Equal("0", spec.Map("strategy").Map("rollingUpdate").Text("maxUnavailable"));
        var budget = One("PodDisruptionBudget").Map("spec");
        Assert.InRange(int.Parse(budget.Text("minAvailable")!, CultureInfo.InvariantCulture), 1, replicas - 1);
        Assert.Equal(spec.Map("selector").Map("matchLabels"), budget.Map("selector").Map("matchLabels"));
    }

    [Fact]
    public void Selectors_of_the_deployment_service_and_budget_match_the_pod_labels()
    {
        var labels = One("Deployment").Map("spec").Map("template").Map("metadata").Map("labels");
        foreach (var selector in new[] { One("Deployment").Map("spec").Map("selector").Map("matchLabels"), One("Service").Map("spec").Map("selector"), One("PodDisruptionBudget").Map("spec").Map("selector").Map("matchLabels") })
        {
            Assert.All(selector, pair => Assert.Equal(pair.Value, labels[pair.Key]));
        }
    }

    [Fact]
    public void Readiness_asks_healthz_liveness_watches_the_port_and_both_use_the_port_the_image_listens_on()
    {
        var port = Regex.Match(RepositoryFiles.Read("deploy/Dockerfile"), @"ASPNETCORE_HTTP_PORTS=(\d+)").Groups[1].Value;
        var declared = (Dictionary<object, object>)Assert.Single(Container.List("ports"));
        Assert.Equal(port, declared.Text("containerPort"));
        var portName = declared.Text("name");
        Assert.Equal("/healthz", Container.Map("readinessProbe").Map("httpGet").Text("path"));
        Assert.Equal(portName, Container.Map("readinessProbe").Map("httpGet").Text("port"));
        Assert.Equal("/healthz", Container.Map("startupProbe").Map("httpGet").Text("path"));
        Assert.Equal(portName, Container.Map("livenessProbe").Map("tcpSocket").Text("port"));
        var servicePort = (Dictionary<object, object>)Assert.Single(One("Service").Map("spec").List("ports"));
        Assert.Equal(portName, servicePort.Text("targetPort"));
    }

    [Fact]
    public void The_container_asks_for_resources_and_runs_non_root_on_a_read_only_root_filesystem()
    {
        foreach (var bound in new[] { "requests", "limits" })
        {
            Assert.NotNull(Container.Map("resources").Map(bound).Text("cpu"));
            Assert.Matches(@"^\d+(Mi|Gi)$", Container.Map("resources").Map(bound).Text("memory"));
        }
        var pod = One("Deployment").Map("spec").Map("template").Map("spec").Map("securityContext");
        Assert.Equal("true", pod.Text("runAsNonRoot"));
        Assert.NotEqual("0", pod.Text("runAsUser"));
        var container = Container.Map("securityContext");
        Assert.Equal("true", container.Text("readOnlyRootFilesystem"));
        Assert.Equal("false", container.Text("allowPrivilegeEscalation"));
        Assert.Equal("ALL", Assert.Single(container.Map("capabilities").List("drop")).ToString());
    }

    [Fact]
    public void The_keys_and_the_import_spool_are_mounted_where_the_configuration_says_from_a_volume_every_pod_shares()
    {
        var configuration = One("ConfigMap").Map("data");
        var mounts = Container.List("volumeMounts").Cast<Dictionary<object, object>>().ToDictionary(m => m.Text("mountPath")!, m => m.Text("name")!);
        var volumes = One("Deployment").Map("spec").Map("template").Map("spec").List("volumes").Cast<Dictionary<object, object>>().ToDictionary(v => v.Text("name")!);
        foreach (var path in new[] { configuration.Text("Identity__KeysDirectory")!, configuration.Text("Import__SpoolDirectory")! })
        {
            var claim = volumes[mounts[path]].Map("persistentVolumeClaim").Text("claimName");
            var shared = Assert.Single(Objects, o => o.Text("kind") == "PersistentVolumeClaim" && o.Map("metadata").Text("name") == claim);
            Assert.Equal("ReadWriteMany", Assert.Single(shared.Map("spec").List("accessModes")).ToString());
        }
        Assert.True(volumes[mounts["/tmp"]].Has("emptyDir"));
        Assert.All(mounts.Values, name => Assert.True(volumes.ContainsKey(name)));
    }

    [Fact]
    public void Configuration_comes_from_the_config_map_and_secrets_from_the_secret()
    {
        var configMap = Assert.Single(Container.List("envFrom")).Map("configMapRef").Text("name");
        Assert.Equal(One("ConfigMap").Map("metadata").Text("name"), configMap);
        var secret = One("Secret");
        var references = Container.List("env").Cast<Dictionary<object, object>>().Where(e => e.Has("valueFrom") && e.Map("valueFrom").Has("secretKeyRef"))
            .ToDictionary(e => e.Text("name")!, e => e.Map("valueFrom").Map("secretKeyRef"));
        Assert.Contains("ConnectionStrings__Consortium", references.Keys);
        Assert.All(references.Values, r =>
        {
            Assert.Equal(secret.Map("metadata").Text("name"), r.Text("name"));
            Assert.True(secret.Map("stringData").Has(r.Text("key")!));
        });
        Assert.Contains("Target Session Attributes=primary", secret.Map("stringData").Text("connection-string"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_ingress_routes_to_the_service_without_affinity_and_keeps_hub_connections_open()
    {
        var ingress = One("Ingress");
        var annotations = ingress.Map("metadata").Map("annotations");
        Assert.True(int.Parse(annotations.Text("nginx.ingress.kubernetes.io/proxy-read-timeout")!, CultureInfo.InvariantCulture) >= 3600);
        Assert.True(int.Parse(annotations.Text("nginx.ingress.kubernetes.io/proxy-send-timeout")!, CultureInfo.InvariantCulture) >= 3600);
        Assert.Equal("256m", annotations.Text("nginx.ingress.kubernetes.io/proxy-body-size"));
        Assert.DoesNotContain(annotations.Keys, k => k.ToString()!.Contains("affinity", StringComparison.Ordinal));
        Assert.Equal("None", One("Service").Map("spec").Text("sessionAffinity"));
        var rule = (Dictionary<object, object>)Assert.Single(ingress.Map("spec").List("rules"));
        var backend = ((Dictionary<object, object>)Assert.Single(rule.Map("http").List("paths"))).Map("backend").Map("service");
        Assert.Equal(One("Service").Map("metadata").Text("name"), backend.Text("name"));
        Assert.Equal(((Dictionary<object, object>)One("Service").Map("spec").List("ports")[0]).Text("name"), backend.Map("port").Text("name"));
    }
}
