UNIT_TESTS += acpi acpi_tables
ACPI_SRCS := hv/acpi.c hv/acpi_madt.c hv/acpi_dmar.c hv/acpi_aml.c
unit_acpi_SRCS := tests/unit/test_acpi.c tests/unit/acpi_fixture.c $(ACPI_SRCS)
unit_acpi_tables_SRCS := tests/unit/test_acpi_tables.c \
                         tests/unit/acpi_fixture.c $(ACPI_SRCS)
