"""Small lists in each publisher's format, written for these tests (not copies of real lists)."""
import pathlib

SHARED = pathlib.Path(__file__).resolve().parents[4] / "shared" / "data" / "sanctions"

OFAC_SDN = (
    '1001,"BLACKWATER TRADING LLC",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"SWIFT/BIC BLKWAEAD; Website x.example."\r\n'
    '1002,"PETROV, Ivan Sergeyevich","individual","UKRAINE-EO13660",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1961; nationality Russia; Passport 7512345678 (Russia)."\r\n'
    '1003,"OCEAN PEARL","vessel","IRAN",-0- ,-0- ,"Crude Oil Tanker",-0- ,-0- ,"Panama",-0- ,"IMO 9187629."\r\n'
    '1004,"AL-NOOR EXCHANGE COMPANY",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
    "\x1a"
)
OFAC_ALT = (
    '1001,1,"aka","BLACK WATER TRADING",-0- \r\n'
    '1002,2,"aka","PETROV, Ivan",-0- \r\n'
    '1002,3,"weak","VANYA",-0- \r\n'
)
OFAC_ADD = '1001,1,"Sheikh Zayed Road","Dubai",United Arab Emirates,-0- \r\n'

OFAC_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation><Publish_Date>03/02/2026</Publish_Date><Record_Count>2</Record_Count></publshInformation>
  <sdnEntry>
    <uid>2001</uid><lastName>KARIMOV</lastName><firstName>Rustam</firstName><sdnType>Individual</sdnType>
    <programList><program>SDGT</program></programList>
    <akaList><aka><uid>1</uid><type>a.k.a.</type><category>weak</category><lastName>RUSTY</lastName></aka>
             <aka><uid>2</uid><type>a.k.a.</type><category>strong</category><lastName>KARIMOV</lastName><firstName>Rustem</firstName></aka></akaList>
    <dateOfBirthList><dateOfBirthItem><uid>3</uid><dateOfBirth>04 May 1970</dateOfBirth></dateOfBirthItem></dateOfBirthList>
    <nationalityList><nationality><uid>4</uid><country>Uzbekistan</country></nationality></nationalityList>
  </sdnEntry>
  <sdnEntry>
    <uid>2002</uid><lastName>SILK ROAD BANK</lastName><sdnType>Entity</sdnType>
    <programList><program>IRAN</program></programList>
    <idList><id><uid>5</uid><idType>SWIFT/BIC</idType><idNumber>SRBKIRTH</idNumber></id></idList>
  </sdnEntry>
</sdnList>
"""

UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-03-01T00:00:00Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>1</DATAID><FIRST_NAME>ABDUL</FIRST_NAME><SECOND_NAME>RAHMAN</SECOND_NAME><THIRD_NAME>ZAHID</THIRD_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDi.901</REFERENCE_NUMBER>
      <NATIONALITY><VALUE>Afghanistan</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Abdul Rahman Zahed</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Zahid</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1968-02-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1969</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>OA123456</NUMBER></INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>2</DATAID><FIRST_NAME>GREEN CRESCENT RELIEF FOUNDATION</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDe.902</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Green Crescent Charity</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><COUNTRY>Pakistan</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""

EU_XML = """<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-03-01T10:00:00.000+01:00">
  <sanctionEntity designationDate="2022-02-23" logicalId="13001" euReferenceNumber="EU.100.01">
    <regulation programme="UKR" regulationType="regulation"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Olga" middleName="" lastName="Smirnova" wholeName="Olga Smirnova" gender="F" strong="true"/>
    <nameAlias wholeName="Ольга Смирнова" strong="true"/>
    <nameAlias wholeName="O. Smirnova" strong="false"/>
    <citizenship countryIso2Code="RU"/>
    <birthdate birthdate="1975-06-30" year="1975"/>
  </sanctionEntity>
  <sanctionEntity logicalId="13002" euReferenceNumber="EU.100.02">
    <regulation programme="SYR"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Damascus Petroleum Services Company" strong="true"/>
    <identification identificationTypeCode="swiftbic" number="DPSCSYDA"/>
  </sanctionEntity>
</export>
"""

UK_CSV = (
    "Last Updated,01/03/2026\n"
    "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,DOB,Nationality,Passport Number,Country,"
    "Group Type,Alias Type,Alias Quality,Regime,Listed On,Group ID\n"
    "KOVALENKO,Dmytro,,,,,,14/08/1972,Russia,,Russia,Individual,Primary name,,Russia,15/03/2022,15001\n"
    "KOVALENKO,Dmitri,,,,,,14/08/1972,Russia,,Russia,Individual,AKA,Low,Russia,15/03/2022,15001\n"
    "NORTHERN STAR SHIPPING,,,,,,,,,,Korea,Entity,Primary name,,DPRK,01/01/2020,15002\n"
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&xxe;</FIRST_NAME>
<REFERENCE_NUMBER>X</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""
