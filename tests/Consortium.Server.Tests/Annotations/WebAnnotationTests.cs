using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static Consortium.Server.Tests.Annotations.JsonLdProcessor;

namespace Consortium.Server.Tests.Annotations;

/// <summary>
/// Annotations as W3C Web Annotations (decision 0028), checked by expanding what the server serves with a real JSON-LD
/// processor and reading the triples, not the strings.
/// </summary>
[Collection(AnnotationsCollection.Name)]
public sealed class WebAnnotationTests(ConsortiumServer server) : ServerTest(server)
{
    private const string Consortium = "ns/consortium#";

    [Fact]
    public async Task Every_kind_of_annotation_is_served_as_a_Web_Annotation_that_a_JSON_LD_processor_expands()
    {
        var (_, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var tom = Server.ClientFor("tom@bravo");
        var note = await tom.AddNoteAsync(record.Id, new NewNote("Seen in **Lagos**"));
        var tag = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Tag, Tag: "journalist"));
        var identification = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Identification,
            Identification: new IdentificationView("Ada Example", "editor", "", "high", ["phone book"])));
        var verification = await tom.AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Verification));
        var reply = await Server.ClientFor("ines@alpha").AddAnnotationAsync(record.Id, new NewAnnotation(AnnotationKinds.Comment, "Confirmed by phone", ParentId: note.Id));
        var contexts = await ContextsAsync();
        var ns = Server.BaseAddress + Consortium;
        var recordIri = Iri(new Uri(Server.BaseAddress, $"api/records/{record.Id}").AbsoluteUri);

        var (response, json) = await GetJsonLdAsync(tom, $"api/annotations/{note.Id}");
        Assert.Equal("application/ld+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "profile" && p.Value == "\"http://www.w3.org/ns/anno.jsonld\"");
        Assert.Contains("Accept", response.Headers.Vary);
        Assert.Equal($"\"{note.Version}\"", response.Headers.ETag!.Tag);
        Assert.Contains("<http://www.w3.org/ns/ldp#Resource>; rel=\"type\"", response.Headers.GetValues("Link"));
        var noted = await ExpandAsync(json, contexts);
        var noteIri = AnnotationIri(note.Id);
        Assert.True(noted.Has(noteIri, Rdf + "type", Iri(Oa + "Annotation")));
        Assert.True(noted.Has(noteIri, Oa + "motivatedBy", Iri(Oa + "commenting")));
        Assert.True(noted.Has(noteIri, Oa + "hasTarget", recordIri));
        var body = Assert.Single(noted.Objects(noteIri, Oa + "hasBody"));
        Assert.True(noted.Has(body, Rdf + "type", Iri(Oa + "TextualBody")));
        Assert.True(noted.Has(body, Dc + "format", Literal("text/markdown")));
        Assert.True(noted.Has(body, Rdf + "value", Literal("Seen in **Lagos**")));
        var creator = Assert.Single(noted.Objects(noteIri, DcTerms + "creator"));
        Assert.True(noted.Has(creator, Rdf + "type", Iri(Foaf + "Person")));
        Assert.True(noted.Has(creator, Foaf + "name", Literal(note.AuthorName)));
        var outlet = Assert.Single(noted.Objects(noteIri, ns + "outlet"));
        Assert.True(noted.Has(outlet, Rdf + "type", Iri(Foaf + "Organization")));
        Assert.True(noted.Has(outlet, Foaf + "nick", Literal("bravo")));
        Assert.True(noted.Has(noteIri, ns + "visibility", Literal("consortium")));

        var tagged = await ExpandAsync((await GetJsonLdAsync(tom, $"api/annotations/{tag.Id}")).Json, contexts);
        Assert.True(tagged.Has(AnnotationIri(tag.Id), Oa + "motivatedBy", Iri(Oa + "tagging")));
        var tagBody = Assert.Single(tagged.Objects(AnnotationIri(tag.Id), Oa + "hasBody"));
        Assert.True(tagged.Has(tagBody, Oa + "hasPurpose", Iri(Oa + "tagging")));
        Assert.True(tagged.Has(tagBody, Rdf + "value", Literal("journalist")));

        var identified = await ExpandAsync((await GetJsonLdAsync(tom, $"api/annotations/{identification.Id}")).Json, contexts);
        Assert.True(identified.Has(AnnotationIri(identification.Id), Oa + "motivatedBy", Iri(Oa + "identifying")));
        var who = Assert.Single(identified.Objects(AnnotationIri(identification.Id), Oa + "hasBody"));
        Assert.True(identified.Has(who, Rdf + "type", Iri(ns + "Identification")));
        Assert.True(identified.Has(who, Oa + "hasPurpose", Iri(Oa + "identifying")));
        Assert.True(identified.Has(who, ns + "person", Literal("Ada Example")));
        Assert.True(identified.Has(who, ns + "sources", Literal("phone book")));

        var assessed = await ExpandAsync((await GetJsonLdAsync(tom, $"api/annotations/{verification.Id}")).Json, contexts);
        Assert.True(assessed.Has(AnnotationIri(verification.Id), Oa + "motivatedBy", Iri(Oa + "assessing")));
        var verdict = Assert.Single(assessed.Objects(AnnotationIri(verification.Id), Oa + "hasBody"));
        Assert.True(assessed.Has(verdict, Rdf + "type", Iri(ns + "Verification")));
        Assert.True(assessed.Has(verdict, ns + "verificationState", Literal(VerificationStates.Unverified)));

        var replied = await ExpandAsync((await GetJsonLdAsync(tom, $"api/annotations/{reply.Id}")).Json, contexts);
        Assert.True(replied.Has(AnnotationIri(reply.Id), Oa + "motivatedBy", Iri(Oa + "replying")));
        Assert.True(replied.Has(AnnotationIri(reply.Id), Oa + "hasTarget", noteIri));
        Assert.True(replied.Has(AnnotationIri(reply.Id), ns + "record", recordIri));

        // Plain JSON stays the default representation of the same address.
        var plain = await tom.GetAnnotationAsync(note.Id);
        Assert.Equal(note.Text, plain.Text);
    }

    [Fact]
    public async Task An_investigations_annotations_are_a_paged_read_only_Web_Annotation_container()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var tom = Server.ClientFor("tom@bravo");
        var added = new List<AnnotationView>();
        for (var i = 0; i < 101; i++)
        {
            added.Add(await tom.AddNoteAsync(record.Id, new NewNote($"note {i}")));
        }
        var contexts = await ContextsAsync();
        var containerIri = new Uri(Server.BaseAddress, $"api/investigations/{investigation.Id}/annotations/").AbsoluteUri;

        var (response, json) = await GetJsonLdAsync(tom, $"api/investigations/{investigation.Id}/annotations/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<http://www.w3.org/ns/ldp#BasicContainer>; rel=\"type\"", string.Join(", ", response.Headers.GetValues("Link")));
        Assert.Equal(["GET", "HEAD", "OPTIONS"], response.Content.Headers.Allow.Order());
        Assert.Contains("Accept", response.Headers.Vary);
        var container = await ExpandAsync(json, contexts);
        Assert.True(container.Has(Iri(containerIri), Rdf + "type", Iri(Ldp + "BasicContainer")));
        Assert.True(container.Has(Iri(containerIri), Rdf + "type", Iri(As + "OrderedCollection")));
        Assert.True(container.Has(Iri(containerIri), As + "totalItems", "\"101\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"));
        Assert.True(container.Has(Iri(containerIri), As + "last", Iri(containerIri + "?page=1")));
        var first = Assert.Single(container.Objects(Iri(containerIri), As + "first"));
        Assert.Equal(Iri(containerIri + "?page=0"), first);
        Assert.True(container.Has(first, Rdf + "type", Iri(As + "OrderedCollectionPage")));
        Assert.True(container.Has(first, As + "next", Iri(containerIri + "?page=1")));
        var firstItems = container.List(Assert.Single(container.Objects(first, As + "items")));
        Assert.Equal(added.Take(100).Select(a => AnnotationIri(a.Id)), firstItems);

        var (pageResponse, pageJson) = await GetJsonLdAsync(tom, $"api/investigations/{investigation.Id}/annotations/?page=1");
        var page = await ExpandAsync(pageJson, contexts);
        var pageIri = Iri(containerIri + "?page=1");
        Assert.True(page.Has(pageIri, As + "partOf", Iri(containerIri)));
        Assert.True(page.Has(pageIri, As + "prev", Iri(containerIri + "?page=0")));
        Assert.Empty(page.Objects(pageIri, As + "next"));
        Assert.Equal([AnnotationIri(added[100].Id)], page.List(Assert.Single(page.Objects(pageIri, As + "items"))));
        Assert.True(page.Has(AnnotationIri(added[100].Id), Oa + "hasTarget", Iri(new Uri(Server.BaseAddress, $"api/records/{record.Id}").AbsoluteUri)));

        using var again = new HttpRequestMessage(HttpMethod.Get, $"api/investigations/{investigation.Id}/annotations/?page=1");
        again.Headers.IfNoneMatch.Add(pageResponse.Headers.ETag!);
        using var notModified = await tom.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Another_outlets_outlet_only_and_private_annotations_never_appear_in_the_JSON_LD_nor_the_container()
    {
        var (investigation, dataset) = await GivenInvestigationWithDatasetAsync("phone,country\n07700 900001,GB\n");
        var record = (await Server.ClientFor("ines@alpha").ListRecordsAsync(dataset.Id)).Items[0];
        var alpha = Server.ClientFor("marie@alpha");
        var outletOnly = await alpha.AddNoteAsync(record.Id, new NewNote("alpha only", Visibility.Outlet));
        var secret = await alpha.AddNoteAsync(record.Id, new NewNote("marie only", Visibility.Private));
        var shared = await alpha.AddNoteAsync(record.Id, new NewNote("everyone"));
        var tom = Server.ClientFor("tom@bravo");
        var ownPrivate = await tom.AddNoteAsync(record.Id, new NewNote("tom only", Visibility.Private));

        foreach (var hidden in new[] { outletOnly, secret })
        {
            var (response, _) = await GetJsonLdAsync(tom, $"api/annotations/{hidden.Id}", expectSuccess: false);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        var (_, json) = await GetJsonLdAsync(tom, $"api/investigations/{investigation.Id}/annotations/");
        var container = await ExpandAsync(json, await ContextsAsync());
        var annotations = container.Triples.Where(t => t.Predicate == Rdf + "type" && t.Value == Iri(Oa + "Annotation")).Select(t => t.Subject).ToHashSet();
        Assert.Equal(new HashSet<string> { AnnotationIri(shared.Id), AnnotationIri(ownPrivate.Id) }, annotations);
        Assert.DoesNotContain(container.Triples, t => t.Value.Contains("alpha only", StringComparison.Ordinal) || t.Value.Contains("marie only", StringComparison.Ordinal));

        // And for alpha's coordinator, tom's private note stays out while alpha's own outlet-only note is in.
        var (_, coordinatorJson) = await GetJsonLdAsync(Server.ClientFor("ines@alpha"), $"api/investigations/{investigation.Id}/annotations/");
        var coordinatorView = await ExpandAsync(coordinatorJson, await ContextsAsync());
        var seen = coordinatorView.Triples.Where(t => t.Predicate == Rdf + "type" && t.Value == Iri(Oa + "Annotation")).Select(t => t.Subject).ToHashSet();
        Assert.Equal(new HashSet<string> { AnnotationIri(outletOnly.Id), AnnotationIri(shared.Id) }, seen);

        // Charlie is no member: no container at all.
        var (outsider, _) = await GetJsonLdAsync(Server.ClientFor("zoe@charlie"), $"api/investigations/{investigation.Id}/annotations/", expectSuccess: false);
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
    }

    private string AnnotationIri(Guid id) => Iri(new Uri(Server.BaseAddress, $"api/annotations/{id}").AbsoluteUri);

    /// <summary>The extension context as the server serves it, to anyone: the processor is given it as fetched.</summary>
    private async Task<Dictionary<string, JsonNode>> ContextsAsync()
    {
        using var anonymous = Server.AnonymousClient();
        var url = new Uri(Server.BaseAddress, "ns/consortium.jsonld").AbsoluteUri;
        return new() { [url] = JsonNode.Parse(await anonymous.GetStringAsync(url))! };
    }

    private static async Task<(HttpResponseMessage Response, JsonNode Json)> GetJsonLdAsync(ConsortiumClient client, string path, bool expectSuccess = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\""));
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (expectSuccess)
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        }
        return (response, response.IsSuccessStatusCode ? JsonNode.Parse(text)! : new JsonObject());
    }
}
