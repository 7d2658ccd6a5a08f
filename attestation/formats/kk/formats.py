# Kazakh number formats (Django has none for kk and would print 94.5): the decimal comma and the non-breaking space
# between thousands, as Kazakh (and Russian) texts write them. Dates are left to the project's formatters.
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
