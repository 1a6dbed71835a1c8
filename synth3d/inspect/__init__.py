"""Looking at templates and datasets: preview sheets, statistics, an HTML report."""
