"""Who may see which reports. Views, templates and navigation ask these names.

Managers and administrators see every section; COE members see the support and
knowledge sections (their own work). Which departments a manager sees is a per-manager
setting (ManagerScope), applied by apps.reports.selectors.report_access_for.
"""

import rules

from apps.accounts.rules import is_admin, is_coe, is_manager

rules.add_perm("reports.view_reports", is_manager | is_admin | is_coe)
# Idea challenges and cases: outcomes for department heads and the COE lead (admin).
rules.add_perm("reports.view_all_sections", is_manager | is_admin)
# "Recompute now": the figures of a view computed again before they are due (apps.reports.services).
rules.add_perm("reports.refresh_reports", is_coe | is_admin)
