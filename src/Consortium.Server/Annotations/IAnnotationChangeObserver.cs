using Consortium.Server.Access;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;

namespace Consortium.Server.Annotations;

/// <summary>
/// Another area acting on an annotation change in the writing transaction (the inbox: its entries commit with the change
/// or not at all). Called after the change is decided and before it is saved; what an observer stores in the request's
/// <c>IDocumentSession</c> commits with it. The change is the event being appended.
/// </summary>
[Announced]
public interface IAnnotationChangeObserver
{
    Task OnChangeAsync(Annotation before, Annotation after, object change, ConsortiumUser actor, Investigation investigation, CancellationToken cancellationToken);
}
