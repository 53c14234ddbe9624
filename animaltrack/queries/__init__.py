"""Read models for the API: paging, point-in-time snapshots, facets, timelines, inventories.

Each module reads the projection tables (and `events`) named in `store/migrations.py` and never
writes. The GraphQL resolvers call these functions (they hold no SQL themselves); each function
takes many ids at once so a page costs a constant number of queries.
"""
