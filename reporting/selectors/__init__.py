"""The read side of the reports: every figure the dashboard, its CSV files and its drill-downs
show, from the rollups (``reporting.models``) and, where the data is small (what is open now),
from the live rows."""
