using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Consortium.Server.Identity;

/// <summary>
/// Token signing and encryption keys, created on first run in a folder outside the repository and reused after
/// (so tokens survive restarts). Operators can point Identity:KeysDirectory at a mounted secret instead.
/// </summary>
internal static class KeyFiles
{
    public static string DefaultDirectory() =>
        Environment.UserName == "root"
            ? "/var/lib/consortium/keys"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "consortium", "keys");

    /// <summary>The configured keys folder (Identity:KeysDirectory), or the default one.</summary>
    public static string Directory(IConfiguration configuration) =>
        configuration["Identity:KeysDirectory"] is { Length: > 0 } configured ? configured : DefaultDirectory();

    /// <summary>
    /// A random secret of 32 bytes in <c>name.key</c>, created on first use (readable by the owner only) and reused after.
    /// Every node of a deployment must see the same file, like the token keys.
    /// </summary>
    public static byte[] LoadOrCreateSecret(string directory, string name)
    {
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".key");
        if (!File.Exists(path))
        {
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, RandomNumberGenerator.GetBytes(32));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            try
            {
                File.Move(temporary, path);
            }
            catch (IOException)
            {
                File.Delete(temporary);
            }
        }
        return File.ReadAllBytes(path);
    }

    /// <summary>A new self-signed certificate with its RSA key, as PKCS#12 bytes.</summary>
    public static byte[] CreateCertificate(string name, X509KeyUsageFlags usage)
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest($"CN=Consortium {name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
        return created.Export(X509ContentType.Pfx);
    }

    public static X509Certificate2 LoadOrCreate(string directory, string name, X509KeyUsageFlags usage)
    {
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".pfx");
        if (!File.Exists(path))
        {
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, CreateCertificate(name, usage));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            // Two processes starting at once must not each write a different key.
            try
            {
                File.Move(temporary, path);
            }
            catch (IOException)
            {
                File.Delete(temporary);
            }
        }
        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
