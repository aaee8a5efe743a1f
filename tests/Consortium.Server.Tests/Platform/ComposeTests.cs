using System.Text.RegularExpressions;

namespace Consortium.Server.Tests.Platform;

/// <summary>
/// deploy/compose.yaml cannot be run here (no registry for images), so its topology is checked against the files it
/// names: two stateless nodes on shared volumes, PostgreSQL 15, Redis, and nginx balancing them without affinity.
/// </summary>
public sealed class ComposeTests
{
    private static readonly Dictionary<object, object> Services = DeploymentYaml.Documents("deploy/compose.yaml").Single().Map("services");
    private static readonly string[] Nodes = ["server-1", "server-2"];
    private static readonly string Balancer = RepositoryFiles.Read("deploy/nginx/consortium-lb.conf");

    [Fact]
    public void The_stack_has_PostgreSQL_15_Redis_two_server_nodes_and_nginx()
    {
        Assert.StartsWith("postgres:15", Services.Map("postgres").Text("image"), StringComparison.Ordinal);
        Assert.StartsWith("redis:", Services.Map("redis").Text("image"), StringComparison.Ordinal);
        Assert.StartsWith("nginx:", Services.Map("nginx").Text("image"), StringComparison.Ordinal);
        Assert.All(Nodes, node => Assert.Equal("deploy/Dockerfile", Services.Map(node).Map("build").Text("dockerfile")));
        Assert.True(RepositoryFiles.Exists("deploy/" + Services.Map("server-1").Map("build").Text("context") + "/Consortium.sln"));
    }

    [Fact]
    public void Every_node_is_configured_by_environment_for_the_same_database_and_Redis()
    {
        var environments = Nodes.Select(n => Services.Map(n).Map("environment")).ToList();
        Assert.All(environments, e => Assert.Contains("Host=postgres;", e.Text("ConnectionStrings__Consortium"), StringComparison.Ordinal));
        Assert.All(environments, e => Assert.StartsWith("redis:", e.Text("Redis__Configuration"), StringComparison.Ordinal));
        Assert.Single(environments.Select(e => string.Join(';', e.OrderBy(p => p.Key.ToString()).Select(p => $"{p.Key}={p.Value}"))).Distinct());
    }

    [Fact]
    public void Every_node_runs_read_only_and_writes_only_its_keys_and_spool_on_volumes_all_nodes_share()
    {
        foreach (var node in Nodes.Select(n => Services.Map(n)))
        {
            Assert.Equal("true", node.Text("read_only"));
            var environment = node.Map("environment");
            var mounts = node.List("volumes").Select(v => v.ToString()!.Split(':')).ToDictionary(p => p[1], p => p[0]);
            Assert.Equal("keys", mounts[environment.Text("Identity__KeysDirectory")!]);
            Assert.Equal("imports", mounts[environment.Text("Import__SpoolDirectory")!]);
            Assert.Equal(2, mounts.Count);
        }
        var volumes = DeploymentYaml.Documents("deploy/compose.yaml").Single().Map("volumes");
        Assert.True(volumes.Has("keys") && volumes.Has("imports"));
    }

    [Fact]
    public void Nginx_balances_every_node_without_sticky_sessions_and_upgrades_the_hub_to_WebSockets()
    {
        var port = Regex.Match(RepositoryFiles.Read("deploy/Dockerfile"), @"ASPNETCORE_HTTP_PORTS=(\d+)").Groups[1].Value;
        var upstream = Regex.Match(Balancer, @"upstream consortium \{(?<body>[^}]*)\}").Groups["body"].Value;
        Assert.Equal(Nodes.Select(n => $"{n}:{port}"), Regex.Matches(upstream, @"^\s*server (\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value));
        Assert.DoesNotMatch(@"^\s*(ip_hash|hash|sticky)\b", upstream);
        var hub = Regex.Match(Balancer, @"location /hubs/ \{(?<body>[^}]*)\}").Groups["body"].Value;
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", hub, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Connection $connection_upgrade;", hub, StringComparison.Ordinal);
        Assert.Contains("proxy_http_version 1.1;", hub, StringComparison.Ordinal);
        var mount = Assert.Single(Services.Map("nginx").List("volumes")).ToString()!;
        Assert.StartsWith("./nginx/consortium-lb.conf:", mount, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nodes_trust_forwarded_addresses_from_nginx_and_from_nothing_else()
    {
        var nginxAddress = Services.Map("nginx").Map("networks").Map("backend").Text("ipv4_address");
        Assert.All(Nodes, n => Assert.Equal(nginxAddress, Services.Map(n).Map("environment").Text("Hosting__TrustedProxies__0")));
    }

    [Fact]
    public void The_database_archives_its_WAL_for_point_in_time_recovery()
    {
        var command = string.Join(' ', Services.Map("postgres").List("command"));
        Assert.Contains("archive_mode=on", command, StringComparison.Ordinal);
        Assert.Contains("wal_level=replica", command, StringComparison.Ordinal);
        Assert.Contains(Services.Map("postgres").List("volumes"), v => v.ToString()!.StartsWith("wal-archive:", StringComparison.Ordinal));
    }

    [Fact]
    public void Uploads_as_large_as_the_server_accepts_pass_nginx_unbuffered()
    {
        Assert.Equal(256L * 1024 * 1024, global::Consortium.Server.Records.ImportRecords.MaxRequestBytes);
        Assert.Contains("client_max_body_size 256m;", Balancer, StringComparison.Ordinal);
        Assert.Contains("proxy_request_buffering off;", Balancer, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nodes_health_pages_are_not_served_to_the_internet_by_either_nginx_configuration()
    {
        // /healthz/nodes names every node and the roles it leads: an attacker's map of the cluster.
        foreach (var configuration in new[] { Balancer, RepositoryFiles.Read("deploy/nginx/consortium.conf") })
        {
            Assert.Matches(@"location /healthz/ \{\s*return 404;\s*\}", configuration);
        }
    }
}
