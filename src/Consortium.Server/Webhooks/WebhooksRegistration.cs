namespace Consortium.Server.Webhooks;

public static class WebhooksRegistration
{
    /// <summary>Webhook endpoints of outlets and the dispatcher delivering the unified feed to them (docs/decisions/0027-webhooks.md).</summary>
    public static WebApplicationBuilder AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookOptions>();
        builder.Services.AddSingleton<WebhookSchema>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookSchema>());
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<WebhookTargets>();
        builder.Services.AddSingleton<WebhookSecrets>();
        builder.Services.AddSingleton<WebhookSigner>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<IWebhookFeed, WebhookFeed>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookDispatcher>());
        return builder;
    }
}
