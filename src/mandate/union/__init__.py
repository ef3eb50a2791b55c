"""Union wing (officials, members, the independent scrutineer). Never imports mandate.workplace."""
