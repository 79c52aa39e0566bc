"""/search/: the page around the site search (``g60portal.site_search``)."""

from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core import search
from g60portal.site_search import KINDS, RESULTS_PER_PAGE, SiteSearch, suggestions


class SearchView(TemplateView):
    template_name = "search.html"
    paginate_by = RESULTS_PER_PAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("q", "")
        site_search = SiteSearch(raw, self.request.GET.get("kind"))
        query = site_search.query
        search_query = search.display_text(raw)
        context.update(
            search_query=search_query,
            heading=(_("“%(q)s”的搜索结果") % {"q": search_query} if search_query else _("搜索")),
            query=query,
            kind=site_search.kind,
            crumbs=[(_("搜索"), "")],
        )
        if query:
            site_search.plan_page(self.request.GET.get("page"), self.paginate_by)
            paginator = Paginator(site_search, self.paginate_by)
            page = paginator.get_page(self.request.GET.get("page"))
            facets, capped = site_search.facets, site_search.capped
            context.update(
                page_obj=page,
                results=page.object_list,
                total=sum(facets.values()),
                total_capped=bool(capped),
                view_capped=any(k.key in capped for k in site_search.kinds_in_view),
                facets=[(KINDS[key], count, key in capped) for key, count in facets.items()],
            )
        if not query or not context.get("total"):
            context["suggestions"] = suggestions()
        return context
