"""The figures (Data Cube) as their own distribution: the statistics graphs and their structure, as TriG.

The full dumps hold them too (they are published graphs); this dump is the cube alone, for tools that read
RDF Data Cube, and the DCAT description names it as a distribution of its own (``dcat.build_dcat``).
"""

from __future__ import annotations

from rdflib import Dataset, URIRef

from insatsgraf.model import iris
from insatsgraf.model.cube import PREFIXES
from insatsgraf.model.rdf import new_graph
from insatsgraf.publication.dumps import published_graph_names
from insatsgraf.sparql.store import Store

CUBE_DUMP = "insatsgraf-statistics.trig.gz"
"""The file name of the cube's dump under ``/dumps/``."""
DATA_CUBE = URIRef("http://www.w3.org/TR/vocab-data-cube/")


def statistics_graph_names(store: Store) -> list[str]:
    """The structure graph and every statistics collection's current graph (tables and comparison groups)."""
    structure, prefix = iris.graph("statistics-structure", store.base), iris.graph("statistics/", store.base)
    return [name for name in published_graph_names(store) if name == structure or name.startswith(prefix)]


def serialise(store: Store) -> bytes:
    """The cube as TriG, each graph under its name."""
    dataset = Dataset()
    for prefix, ns in [*new_graph(store.base).namespaces(), *PREFIXES.items()]:
        dataset.bind(prefix, ns, override=True)
    for name in statistics_graph_names(store):
        target = dataset.graph(URIRef(name))
        for triple in store.graph(name):
            target.add(triple)
    return dataset.serialize(format="trig", encoding="utf-8")
