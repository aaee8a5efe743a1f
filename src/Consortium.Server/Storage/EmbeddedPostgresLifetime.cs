namespace Consortium.Server.Storage;

/// <summary>Stops the embedded cluster when the host stops (the container does not dispose instances it was handed).</summary>
internal sealed class EmbeddedPostgresLifetime(EmbeddedPostgres cluster) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await cluster.DisposeAsync();
}
