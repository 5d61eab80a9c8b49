"""Several regions in one run, and their pooling (specification section 17).

>>> import simulator
>>> ds = simulator.run_province("example_province", paths=200)      # doctest: +SKIP
>>> ds["reserve_months"].sel(region="province", fund="employee_pooled").median("path")  # doctest: +SKIP
"""

from .assemble import any_region_exhausted, format_province, summarize_province
from .run import prepare_province, run_prepared, run_province
from .spec import POOLING_MODES, PROVINCE_ENTRY, Province, is_province, list_builtin_provinces, load_province

__all__ = ["run_province", "prepare_province", "run_prepared", "load_province", "is_province", "Province",
           "list_builtin_provinces", "summarize_province", "format_province", "any_region_exhausted",
           "POOLING_MODES", "PROVINCE_ENTRY"]
