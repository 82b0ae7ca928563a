"""The IATI activity file for a signed-in reader (the API's token authentication is added with
the REST API). Thin: agreements.interop.iati builds it; the policy chooses the rows."""
from __future__ import annotations

from django.http import StreamingHttpResponse

from agreements.interop import iati


def iati_activities(request):
    response = StreamingHttpResponse(iati.activities_xml(iati.published_agreements(request.user)),
                                     content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="activities.xml"'
    return response
