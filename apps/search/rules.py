import rules

from apps.accounts.rules import is_signed_in

# Every signed-in member of staff may search; what they find is filtered per document
# (audience) in apps.search.selectors.audiences_for.
rules.add_perm("search.search", is_signed_in)
