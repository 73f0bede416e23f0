"""The ticket store: citizens, their messenger bindings, appeals, incidents and support tickets."""
